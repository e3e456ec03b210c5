/*
 * location.h: per-path rules of a server (capsuled.conf's location
 * blocks): which one a path falls under, what a block reply says, what
 * stripping leaves of a path.  Pure.
 */

#ifndef CAPSULED_LOCATION_H
#define CAPSULED_LOCATION_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stddef.h>

#include "capsuled.h"

#define LOCATIONS_MAX		64	/* location blocks per server */
#define LOCATION_ALLOW_MAX	32	/* allow client lines per location */
#define LOCATION_META_MAX	1024	/* bytes of a reply's meta (spec) */
#define LOCATION_HASH_LEN	71	/* "SHA256:" and 64 hex digits */
#define LOCATION_TYPE_MAX	127	/* bytes of a default type */
#define LOCATION_STRIP_MAX	32	/* path components strip drops */
#define LOCATION_PARAMS_MAX	32	/* param lines per location */
#define LOCATION_PARAM_NAME_MAX	63	/* bytes of a param's name */
#define LOCATION_PARAM_VALUE_MAX 1023	/* bytes of a param's value */
#define FASTCGI_PORT_DEFAULT	9000	/* fastcgi socket tcp without port */

/* Where a location's requests go instead of the snapshot. */
enum location_fastcgi {
	LOCATION_FASTCGI_NONE,		/* nowhere: files (or cgi) */
	LOCATION_FASTCGI_UNIX,		/* fastcgi socket "PATH" */
	LOCATION_FASTCGI_TCP		/* fastcgi socket tcp "HOST" */
};

/* One param line: a variable a script or responder is given. */
struct location_param {
	char	 name[LOCATION_PARAM_NAME_MAX + 1];
	char	 value[LOCATION_PARAM_VALUE_MAX + 1];
};

struct buf;

/* One location block; -1 (or "") in a setting: the server's applies. */
struct location {
	char		 glob[GEMINI_REQUEST_MAX + 1];
	int		 line;			/* in the file, for messages */
	int		 block;			/* reply status; 0: none */
	char		 meta[LOCATION_META_MAX + 1];
	int		 strip;			/* components; 0: none */
	int		 need_cert;		/* any rule reading one */
	int		 nallow;
	char		 allow[LOCATION_ALLOW_MAX][LOCATION_HASH_LEN + 1];
	char		 ca_file[PATH_MAX];	/* "": no CA rule */
	void		*ca;			/* its store (clientcert.c) */
	char		 lang[64];
	int		 has_lang;
	char		 default_type[LOCATION_TYPE_MAX + 1];
	char		 index_file[NAME_MAX + 1];
	int		 auto_index;		/* -1, 0 or 1 */
	int		 feeds;			/* -1, 0 or 1 */
	int		 cgi;			/* cgi on: run executables */
	int		 fastcgi;		/* enum location_fastcgi */
	char		 fcgi_socket[PATH_MAX];	/* the path, or tcp's host */
	int		 fcgi_port;		/* tcp */
	struct sockaddr_storage	 fcgi_addr;	/* tcp, resolved when parsed */
	socklen_t	 fcgi_addrlen;
	int		 fcgi_strip;		/* SCRIPT_NAME's components; -1 */
	struct location_param	*params;	/* malloc'd */
	int		 nparams;
};

/* What %p, %q, %N and %P stand for in a block reply's meta. */
struct location_vars {
	const char	*path;		/* decoded, after strip */
	size_t		 pathlen;
	const char	*query;		/* as in the request; NULL: none */
	size_t		 querylen;
	const char	*name;		/* the server's */
	int		 port;
};

int	 location_match(const struct location *, int, const char *);
int	 location_glob_ok(const char *, const char **);
int	 location_expand(const char *, const struct location_vars *,
	    struct buf *);
int	 location_strip(const char *, size_t, int, size_t *);
int	 location_hash_ok(const char *);
int	 location_public(const struct location *);
int	 location_fastcgi(const struct location *, int, const char *, size_t);

#endif /* CAPSULED_LOCATION_H */
