/*
 * main.c: the command line.  It turns a configuration file (-f, see
 * parse.c) or the quick-mode flags into a struct config (again on every
 * reload, so a reload sees a changed file and renewed certificates),
 * builds the first generation, detaches and writes the pid file, then
 * hands over to parent.c.  fatal() is fine here: nothing is being
 * served yet.
 *
 * Which configuration: -f names a file; otherwise quick-mode flags (-H,
 * -p, -g, -c, -k, -j, -u, a root directory) describe one server, and a
 * command line with none of them reads CONF_FILE if it exists.  -f and
 * quick-mode flags together are a usage error, so that no setting is
 * silently ignored.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "capsuled.h"

#define MAIN_LISTEN_MAX	8	/* -p and -g may each be repeated */

static struct {
	const char	*file;
	int		 quick;		/* a quick-mode flag was given */
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
	fprintf(stderr, "usage: capsuled [-dnVv] [-f file] [-P pidfile]\n"
	    "       capsuled [-dnVv] [-H hostname] [-p [addr:]port] "
	    "[-g [addr:]port]\n"
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

/* Quick mode: one server, described by the flags. */
static int
main_quick(struct config *conf, const char **errstr)
{
	struct server	*srv;
	int		 i;

	if (opt.workers > 0)
		conf->prefork = opt.workers;
	conf->access_to = opt.verbose ? ACCESS_DAEMON : ACCESS_OFF;
	if ((srv = config_add_server(conf, opt.host)) == NULL) {
		*errstr = "bad host name";
		return -1;
	}
	if (strlcpy(srv->root, opt.root, sizeof(srv->root)) >=
	    sizeof(srv->root) ||
	    snprintf(srv->cert, sizeof(srv->cert), "%s", opt.cert) >=
	    (int)sizeof(srv->cert) ||
	    snprintf(srv->key, sizeof(srv->key), "%s", opt.key) >=
	    (int)sizeof(srv->key)) {
		*errstr = "path too long";
		return -1;
	}
	for (i = 0; i < opt.ngemini; i++)
		if (main_listen(conf, PROTO_GEMINI, opt.gemini[i], srv,
		    errstr) == -1)
			return -1;
	for (i = 0; i < opt.ngopher; i++)
		if (main_listen(conf, PROTO_GOPHER, opt.gopher[i], srv,
		    errstr) == -1)
			return -1;
	if (opt.user != NULL && config_set_user(conf, opt.user, errstr) == -1)
		return -1;
	return 0;
}

/*
 * The configuration the command line describes.  Called at startup and
 * on every SIGHUP; it reads the configuration file, if there is one,
 * and the user database.
 */
struct config *
main_load_config(const char **errstr)
{
	struct config	*conf;

	if ((conf = config_new()) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	conf->debug = opt.debug;
	conf->verbose = opt.verbose;
	if (opt.file != NULL) {
		if (parse_file(conf, opt.file, errstr) == -1)
			goto fail;
	} else if (main_quick(conf, errstr) == -1)
		goto fail;
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

/*
 * Become a daemon: a new session, no terminal, stdin and stdout (and
 * stderr, unless the log goes there) on /dev/null.  The process that
 * was started waits until the daemon has written its pid file, so an
 * init system that reads the file as soon as we return finds it.
 */
static void
main_detach(int keep_stderr, const char *pidfile)
{
	char	c = 0;
	int	fd, p[2];

	if (pipe(p) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		while (read(p[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(c == '!' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (pidfile != NULL)
		main_pidfile(pidfile);
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	if (write(p[1], "!", 1) != 1)
		fatal("cannot tell the starting process");
	close(p[1]);
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
	while ((ch = getopt(argc, argv, "c:df:g:H:j:k:nP:p:u:Vv")) != -1) {
		if (strchr("cgHjkpu", ch) != NULL)
			opt.quick = 1;
		switch (ch) {
		case 'c':
			opt.cert = optarg;
			break;
		case 'd':
			opt.debug = 1;
			break;
		case 'f':
			opt.file = optarg;
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
	if (argc == 1) {
		opt.root = argv[0];
		opt.quick = 1;
	}
	if (opt.file != NULL && opt.quick) {
		fprintf(stderr, "capsuled: -f cannot be combined with -H, -p, "
		    "-g, -c, -k, -j, -u or a root directory\n");
		usage();
	}
	if (opt.file == NULL && !opt.quick && access(CONF_FILE, F_OK) == 0)
		opt.file = CONF_FILE;
	if (opt.ngemini == 0)
		opt.gemini[opt.ngemini++] = "1965";
	if (opt.ngopher == 0)
		opt.gopher[opt.ngopher++] = "70";
	if (!config_valid_name(opt.host)) {
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
		if (opt.file == NULL)
			usage();
		return 1;
	}
	if (parent_setup(conf, NULL, !opt.check, &err) == -1) {
		fprintf(stderr, "capsuled: %s\n", err);
		config_free(conf);
		return 1;
	}
	if (opt.check) {
		fprintf(stderr, "configuration OK\n");
		config_free(conf);
		return 0;
	}
	if (!opt.debug) {
		main_detach(conf->log_to == LOG_TO_STDERR, opt.pidfile);
		log_detach(conf);
	} else if (opt.pidfile != NULL)
		main_pidfile(opt.pidfile);
	log_info("capsuled %s: %d workers, %zu paths", CAPSULED_VERSION,
	    conf->prefork, snapshot_count(TAILQ_FIRST(&conf->servers)->snap));
	parent_main(conf, opt.pidfile);
	return 0;
}
