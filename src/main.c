/*
 * main.c: the command line.  It turns flags into a struct config (again
 * on every reload, so a reload sees renewed certificates), builds the
 * first generation, detaches and writes the pid file, then hands over to
 * parent.c.  fatal() is fine here: nothing is being served yet.
 */

#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "capsuled.h"

#define MAIN_LISTEN_MAX	8	/* -p and -g may each be repeated */

static struct {
	const char	*host;
	const char	*gemini[MAIN_LISTEN_MAX];
	const char	*gopher[MAIN_LISTEN_MAX];
	int		 ngemini;
	int		 ngopher;
	const char	*cert;
	const char	*key;
	const char	*user;
	const char	*pidfile;
	const char	*root;
	int		 debug;
	int		 check;
	int		 workers;
	int		 verbose;
} opt;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: capsuled [-dnVv] [-H hostname] "
	    "[-p [addr:]port] [-g [addr:]port]\n"
	    "                [-c cert] [-k key] [-j workers] [-u user] "
	    "[-P pidfile] [root]\n");
	exit(1);
}

static int
main_listen(struct config *conf, enum proto proto, const char *spec,
    struct server *srv, const char **errstr)
{
	static char	 err[400];
	char		 buf[300], *addr;
	int		 port;

	if (config_split_address(spec, buf, sizeof(buf), &addr, &port,
	    errstr) == -1 ||
	    config_add_listener(conf, proto, addr, port, srv, 0, errstr) == -1) {
		snprintf(err, sizeof(err), "-%c %s: %s",
		    proto == PROTO_GEMINI ? 'p' : 'g', spec, *errstr);
		*errstr = err;
		return -1;
	}
	return 0;
}

/*
 * The configuration the command line describes.  Called at startup and
 * on every SIGHUP; it reads nothing but the user database.
 */
struct config *
main_load_config(const char **errstr)
{
	static char	 err[300];
	struct config	*conf;
	struct server	*srv;
	struct passwd	*pw;
	int		 i;

	if ((conf = config_new()) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	conf->debug = opt.debug;
	conf->verbose = opt.verbose;
	if (opt.workers > 0)
		conf->prefork = opt.workers;
	if ((srv = config_add_server(conf, opt.host)) == NULL) {
		*errstr = "bad host name";
		goto fail;
	}
	if (strlcpy(srv->root, opt.root, sizeof(srv->root)) >=
	    sizeof(srv->root) ||
	    snprintf(srv->cert, sizeof(srv->cert), "%s", opt.cert) >=
	    (int)sizeof(srv->cert) ||
	    snprintf(srv->key, sizeof(srv->key), "%s", opt.key) >=
	    (int)sizeof(srv->key)) {
		*errstr = "path too long";
		goto fail;
	}
	for (i = 0; i < opt.ngemini; i++)
		if (main_listen(conf, PROTO_GEMINI, opt.gemini[i], srv,
		    errstr) == -1)
			goto fail;
	for (i = 0; i < opt.ngopher; i++)
		if (main_listen(conf, PROTO_GOPHER, opt.gopher[i], srv,
		    errstr) == -1)
			goto fail;
	if (opt.user != NULL) {
		if ((pw = getpwnam(opt.user)) == NULL) {
			snprintf(err, sizeof(err), "unknown user %s", opt.user);
			*errstr = err;
			goto fail;
		}
		strlcpy(conf->user, opt.user, sizeof(conf->user));
		conf->uid = pw->pw_uid;
		conf->gid = pw->pw_gid;
	}
	return conf;
fail:
	config_free(conf);
	return NULL;
}

static void
main_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF)
		log_warn("%s", path);
}

int
main(int argc, char *argv[])
{
	static char	 certbuf[PATH_MAX], keybuf[PATH_MAX];
	struct config	*conf;
	const char	*err;
	int		 ch;

	opt.host = "localhost";
	opt.root = "capsule";
	while ((ch = getopt(argc, argv, "c:dg:H:j:k:nP:p:u:Vv")) != -1) {
		switch (ch) {
		case 'c':
			opt.cert = optarg;
			break;
		case 'd':
			opt.debug = 1;
			break;
		case 'g':
			if (opt.ngopher == MAIN_LISTEN_MAX)
				usage();
			opt.gopher[opt.ngopher++] = optarg;
			break;
		case 'H':
			opt.host = optarg;
			break;
		case 'j':
			opt.workers = (int)strtonum(optarg, 1, WORKERS_MAX,
			    &err);
			if (err != NULL) {
				fprintf(stderr, "capsuled: -j %s: %s\n",
				    optarg, err);
				usage();
			}
			break;
		case 'k':
			opt.key = optarg;
			break;
		case 'n':
			opt.check = 1;
			break;
		case 'P':
			opt.pidfile = optarg;
			break;
		case 'p':
			if (opt.ngemini == MAIN_LISTEN_MAX)
				usage();
			opt.gemini[opt.ngemini++] = optarg;
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'V':
			printf("capsuled %s\n", CAPSULED_VERSION);
			return 0;
		case 'v':
			opt.verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (argc == 1)
		opt.root = argv[0];
	if (opt.ngemini == 0)
		opt.gemini[opt.ngemini++] = "1965";
	if (opt.ngopher == 0)
		opt.gopher[opt.ngopher++] = "70";
	if (strlen(opt.host) == 0 || strlen(opt.host) > HOSTNAME_MAX ||
	    strpbrk(opt.host, "/\t\r\n ") != NULL) {
		fprintf(stderr, "capsuled: -H %s: bad host name\n", opt.host);
		usage();
	}
	if (opt.cert == NULL) {
		snprintf(certbuf, sizeof(certbuf), "certs/%s.crt", opt.host);
		opt.cert = certbuf;
	}
	if (opt.key == NULL) {
		snprintf(keybuf, sizeof(keybuf), "certs/%s.key", opt.host);
		opt.key = keybuf;
	}

	log_init(1, LOG_DAEMON);
	log_procname("parent");
	log_setverbose(opt.verbose);
	if (tlsio_init() == -1)
		fatalx("cannot initialise TLS");
	if ((conf = main_load_config(&err)) == NULL) {
		fprintf(stderr, "capsuled: %s\n", err);
		usage();
	}
	if (parent_setup(conf, NULL, !opt.check, &err) == -1)
		fatalx("%s", err);
	if (opt.check) {
		fprintf(stderr, "configuration OK\n");
		config_free(conf);
		return 0;
	}
	if (!opt.debug) {
		if (daemon(1, 0) == -1)
			fatal("daemon");
		log_init(0, LOG_DAEMON);
	}
	if (opt.pidfile != NULL)
		main_pidfile(opt.pidfile);
	log_info("capsuled %s: %d workers, %zu paths", CAPSULED_VERSION,
	    conf->prefork, snapshot_count(TAILQ_FIRST(&conf->servers)->snap));
	parent_main(conf, opt.pidfile);
	return 0;
}
