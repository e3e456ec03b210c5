/*
 * proxy.c: the PROXY protocol header that a load balancer (HAProxy,
 * relayd, nginx stream) puts in front of a connection to say who the
 * client really is: version 1 (one text line) or version 2 (binary),
 * told apart by their first bytes.  Pure: it parses bytes it is given
 * and says how many belong to the header; reading them without reading
 * past the header is conn.c's job.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "proxy.h"

#define PROXY_V1_MAX	107	/* the whole line, CRLF included */
#define PROXY_V2_HDR	16

static const unsigned char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Fill r->dst from a raw address (4 or 16 bytes) and a port. */
static void
proxy_sockaddr(struct proxy_result *r, int v6, const void *addr,
    in_port_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&r->dst;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&r->dst;

	memset(&r->dst, 0, sizeof(r->dst));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_port = port;
		r->dstlen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		sin->sin_port = port;
		r->dstlen = sizeof(*sin);
	}
}

static int
proxy_port(const char *s, size_t len, in_port_t *port)
{
	size_t	i;
	long	v = 0;

	if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

/* Split the v1 line (without "PROXY " and CRLF) into its fields. */
static int
proxy_v1_fields(const char *s, size_t len, const char *f[6], size_t fl[6])
{
	size_t	i, start = 0, n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (n == 6 || i == start)
			return -1;	/* too many fields, or two spaces */
		f[n] = s + start;
		fl[n++] = i - start;
		start = i + 1;
	}
	return (int)n;
}

static int
proxy_v1(const unsigned char *buf, size_t len, struct proxy_result *r,
    const char **errstr)
{
	const char		*line = (const char *)buf, *f[6], *end;
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 fl[6], n;
	struct in6_addr		 dst;	/* big enough for either family */
	in_port_t		 dport;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&r->src;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&r->src;
	int			 v6, nf;

	n = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	if ((end = memchr(line, '\n', n)) == NULL) {
		if (len >= PROXY_V1_MAX) {
			*errstr = "PROXY v1 line too long";
			return -1;
		}
		return 0;
	}
	if (end == line || end[-1] != '\r') {
		*errstr = "PROXY v1 line without CRLF";
		return -1;
	}
	r->hdrlen = end - line + 1;
	n = r->hdrlen - 2 - 6;		/* without "PROXY " and CRLF */
	line += 6;
	if (n >= 7 && memcmp(line, "UNKNOWN", 7) == 0 &&
	    (n == 7 || line[7] == ' ')) {
		r->local = 1;	/* the proxy says: use the socket's own */
		return 1;
	}
	if ((nf = proxy_v1_fields(line, n, f, fl)) != 5 || fl[0] != 4 ||
	    (memcmp(f[0], "TCP4", 4) != 0 && memcmp(f[0], "TCP6", 4) != 0)) {
		*errstr = "malformed PROXY v1 line";
		return -1;
	}
	v6 = f[0][3] == '6';
	if (fl[1] >= sizeof(addr)) {
		*errstr = "malformed PROXY v1 address";
		return -1;
	}
	memcpy(addr, f[1], fl[1]);
	addr[fl[1]] = '\0';
	memset(&r->src, 0, sizeof(r->src));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1 ||
		    proxy_port(f[3], fl[3], &sin6->sin6_port) == -1)
			goto bad;
		r->srclen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1 ||
		    proxy_port(f[3], fl[3], &sin->sin_port) == -1)
			goto bad;
		r->srclen = sizeof(*sin);
	}
	/* The destination: what the client connected to. */
	if (fl[2] >= sizeof(addr) || proxy_port(f[4], fl[4], &dport) == -1)
		goto bad;
	memcpy(addr, f[2], fl[2]);
	addr[fl[2]] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, &dst) != 1)
		goto bad;
	proxy_sockaddr(r, v6, &dst, dport);
	return 1;
bad:
	*errstr = "malformed PROXY v1 address";
	return -1;
}

static int
proxy_v2(const unsigned char *buf, size_t len, struct proxy_result *r,
    const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&r->src;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&r->src;
	size_t			 body;
	in_port_t		 dport;

	if (len < PROXY_V2_HDR)
		return 0;
	if ((buf[12] & 0xf0) != 0x20 || (buf[12] & 0x0f) > 1) {
		*errstr = "bad PROXY v2 version or command";
		return -1;
	}
	body = (size_t)buf[14] << 8 | buf[15];
	if (PROXY_V2_HDR + body > PROXY_HEADER_MAX) {
		*errstr = "PROXY v2 header too long";
		return -1;
	}
	if (len < PROXY_V2_HDR + body)
		return 0;
	r->hdrlen = PROXY_V2_HDR + body;
	if ((buf[12] & 0x0f) == 0) {
		r->local = 1;	/* LOCAL: the proxy's own health check */
		return 1;
	}
	memset(&r->src, 0, sizeof(r->src));
	switch (buf[13]) {
	case 0x11:	/* TCP over IPv4 */
		if (body < 12)
			goto bad;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, buf + 16, 4);
		memcpy(&sin->sin_port, buf + 24, 2);
		r->srclen = sizeof(*sin);
		memcpy(&dport, buf + 26, 2);
		proxy_sockaddr(r, 0, buf + 20, dport);
		return 1;
	case 0x21:	/* TCP over IPv6 */
		if (body < 36)
			goto bad;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, buf + 16, 16);
		memcpy(&sin6->sin6_port, buf + 48, 2);
		r->srclen = sizeof(*sin6);
		memcpy(&dport, buf + 50, 2);
		proxy_sockaddr(r, 1, buf + 32, dport);
		return 1;
	case 0x00:	/* UNSPEC: keep the socket's address */
		r->local = 1;
		return 1;
	default:
		break;
	}
bad:
	*errstr = "unsupported PROXY v2 address family";
	return -1;
}

/*
 * Look at the first len bytes of a connection.  Returns 1 when they
 * start with a whole, valid header (r->hdrlen bytes; r->src holds the
 * client unless r->local says to keep the socket's address), 0 when more
 * bytes are needed, -1 when this is not a PROXY header.
 */
int
proxy_parse(const unsigned char *buf, size_t len, struct proxy_result *r,
    const char **errstr)
{
	size_t	n;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return 0;
	if (buf[0] == 'P') {
		n = len < 6 ? len : 6;
		if (memcmp(buf, "PROXY ", n) != 0)
			goto notproxy;
		return len < 6 ? 0 : proxy_v1(buf, len, r, errstr);
	}
	if (buf[0] == 0x0d) {
		n = len < sizeof(proxy_v2_sig) ? len : sizeof(proxy_v2_sig);
		if (memcmp(buf, proxy_v2_sig, n) != 0)
			goto notproxy;
		return proxy_v2(buf, len, r, errstr);
	}
notproxy:
	*errstr = "no PROXY header";
	return -1;
}
