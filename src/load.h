/*
 * load.h: the configuration the command line describes, read anew at
 * startup and on every reload: a configuration file, or the quick-mode
 * flags for one server.
 */

#ifndef CAPSULED_LOAD_H
#define CAPSULED_LOAD_H

#define LOAD_LISTEN_MAX	8	/* -p and -g may each be repeated */

struct config;

struct load_opts {
	const char	*file;		/* NULL: quick mode */
	const char	*host;
	const char	*gemini[LOAD_LISTEN_MAX];
	const char	*gopher[LOAD_LISTEN_MAX];
	int		 ngemini;
	int		 ngopher;
	const char	*cert;
	const char	*key;
	const char	*user;
	const char	*root;
	int		 workers;	/* 0: the default */
	int		 debug;
	int		 verbose;
};

struct config	*load_config(const struct load_opts *, const char **);

#endif /* CAPSULED_LOAD_H */
