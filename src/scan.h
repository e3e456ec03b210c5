/*
 * scan.h: the configuration parser's state, shared by scan.c (tokens
 * and helpers) and parse.c (the directives).  Private to those two.
 */

#ifndef CAPSULED_SCAN_H
#define CAPSULED_SCAN_H

#include <stddef.h>

#include "capsuled.h"

struct config;
struct location;
struct server;

#define PARSE_SEEN_MAX	32	/* single-valued directives per scope */

enum parse_token {
	TOK_EOF,
	TOK_NL,		/* end of line (or of a statement) */
	TOK_WORD,	/* bare: keywords, numbers, addresses, "*" */
	TOK_STRING,	/* "double quoted" */
	TOK_LBRACE,
	TOK_RBRACE
};

struct parse {
	const char		*file;	/* for messages */
	const char		*p;	/* scanner position */
	const char		*end;
	int			 line;	/* of the scanner */
	enum parse_token	 tok;	/* the current token */
	int			 tokline;
	char			 text[CONF_TOKEN_MAX + 1];
	struct config		*conf;
	struct server		*srv;	/* inside a server block */
	int			 srvline;
	struct location		*loc;	/* inside a location block */
	const char		*seen[PARSE_SEEN_MAX];
	int			 nseen;
	int			 gemini;	/* the server listens on it */
	int			 listens;	/* listen directives in it */
	const char		**errstr;
};

int	scan_error(struct parse *, int, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	scan_next(struct parse *);
int	scan_is(struct parse *, const char *);
int	scan_unexpected(struct parse *, const char *);
int	scan_once(struct parse *, const char *);
int	scan_string(struct parse *, const char *, char *, size_t);
int	scan_number(struct parse *, const char *, long long, long long, int,
	    long long *);
int	scan_int_once(struct parse *, const char *, long long, long long,
	    int *);
int	scan_path_once(struct parse *, const char *, char *, size_t);
int	scan_on_off_once(struct parse *, const char *, int *);
int	scan_number_here(struct parse *, const char *, long long, long long,
	    int, long long *);

#endif /* CAPSULED_SCAN_H */
