/*
 * parsedyn.h: the location directives that run scripts (cgi) or hand
 * requests to a FastCGI responder (fastcgi, param).
 */

#ifndef CAPSULED_PARSEDYN_H
#define CAPSULED_PARSEDYN_H

struct parse;

int	 parsedyn_cgi(struct parse *);
int	 parsedyn_fastcgi(struct parse *);
int	 parsedyn_param(struct parse *);

#endif /* CAPSULED_PARSEDYN_H */
