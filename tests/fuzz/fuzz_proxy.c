/*
 * fuzz_proxy.c: libFuzzer harness for proxy_parse, the PROXY protocol
 * header a load balancer sends first.  Beyond not crashing: a header it
 * accepts lies within the bytes and within PROXY_HEADER_MAX, names an
 * IPv4 or IPv6 client (or says to keep the socket's address), and is
 * found the same way when only its own bytes are given, while every
 * shorter prefix asks for more.  That is what lets conn.c consume the
 * header without ever reading a byte of what follows it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "proxy.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct proxy_result	 r, again;
	const char		*err = NULL;
	size_t			 i;
	int			 rc;

	rc = proxy_parse(data, len, &r, &err);
	FUZZ_ASSERT(rc >= -1 && rc <= 1, "returns -1, 0 or 1");
	if (rc == -1)
		FUZZ_ASSERT(err != NULL, "a refusal says why");
	if (rc != 1)
		return 0;
	FUZZ_ASSERT(r.hdrlen >= 15 && r.hdrlen <= len &&
	    r.hdrlen <= PROXY_HEADER_MAX, "the header lies within the bytes");
	if (!r.local)
		FUZZ_ASSERT((r.src.ss_family == AF_INET &&
		    r.srclen == sizeof(struct sockaddr_in)) ||
		    (r.src.ss_family == AF_INET6 &&
		    r.srclen == sizeof(struct sockaddr_in6)),
		    "the client is an IPv4 or IPv6 address");
	FUZZ_ASSERT(proxy_parse(data, r.hdrlen, &again, &err) == 1 &&
	    again.hdrlen == r.hdrlen, "the header alone parses the same");
	for (i = 0; i < r.hdrlen; i++)
		FUZZ_ASSERT(proxy_parse(data, i, &again, &err) == 0,
		    "a prefix of a header asks for more");
	return 0;
}
