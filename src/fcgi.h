/*
 * fcgi.h: FastCGI 1.0 records, as a responder's client writes and reads
 * them (pure).
 */

#ifndef CAPSULED_FCGI_H
#define CAPSULED_FCGI_H

#include <stddef.h>
#include <stdint.h>

#define FCGI_HEADER		8
#define FCGI_CONTENT_MAX	65535	/* bytes of content in a record */
#define FCGI_REQUEST_ID		1	/* one request per connection */

#define FCGI_BEGIN_REQUEST	1
#define FCGI_ABORT_REQUEST	2
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_UNKNOWN_TYPE	11

struct buf;

/* What is known of the records a responder sent, as they arrive. */
struct fcgi_reader {
	unsigned char	 hdr[FCGI_HEADER];
	size_t		 hlen;		/* bytes of hdr read */
	uint8_t		 type;
	size_t		 left;		/* content bytes still to come */
	size_t		 pad;		/* then padding */
	unsigned char	 body[8];	/* END_REQUEST's */
	size_t		 bodylen;
	int		 ended;		/* END_REQUEST read */
	uint32_t	 app_status;
	uint8_t		 proto_status;
};

void	 fcgi_begin(struct buf *);
void	 fcgi_param(struct buf *, const char *, size_t, const char *,
	    size_t);
void	 fcgi_params_records(struct buf *, const char *, size_t);
void	 fcgi_stdin_end(struct buf *);
void	 fcgi_reader_init(struct fcgi_reader *);
int	 fcgi_read(struct fcgi_reader *, const unsigned char *, size_t,
	    size_t *, void (*)(void *, int, const unsigned char *, size_t),
	    void *, const char **);

#endif /* CAPSULED_FCGI_H */
