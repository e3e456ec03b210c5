/*
 * fuzz_msg.c: libFuzzer harness for msg.c's frames and fields, what a
 * process reads from another that may be compromised.  The input's
 * first byte picks how the rest is delivered (chunk sizes); the bytes
 * go through a msg_reader as msg_read would leave them.  Properties: a
 * frame returned has a known type and no unknown flag, a payload within
 * MSG_PAYLOAD_MAX, and is exactly the bytes it consumed (re-encoding it
 * gives back the input); a frame claiming a descriptor is refused (none
 * travel here); once refused, the reader stays refused; and walking a
 * payload's fields never reads past it and accounts for every byte or
 * stops at a truncated field.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct msg_reader	rd;
static struct msg		m;

static void
fuzz_fields(const struct msg *f)
{
	struct msg_cursor	 c;
	const void		*p;
	size_t			 len, seen = 0;
	uint16_t		 tag;
	int			 rc;

	msg_cursor_init(&c, f->data, f->len);
	while ((rc = msg_field_next(&c, &tag, &p, &len)) == 1) {
		FUZZ_ASSERT((const unsigned char *)p >= f->data &&
		    (const unsigned char *)p + len <= f->data + f->len,
		    "a field lies within its payload");
		seen += 4 + len;
	}
	FUZZ_ASSERT(rc == 0 || rc == -1, "fields: 1, 0 or -1");
	if (rc == 0)
		FUZZ_ASSERT(seen == f->len, "fields account for every byte");
	else
		FUZZ_ASSERT(f->len - seen < 4 + 65535, "only a short tail fails");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*err;
	size_t		 chunk, off = 0, consumed = 0, n;
	uint32_t	 plen;
	int		 rc, refused = 0;

	if (len == 0)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	len--;
	msg_reader_init(&rd);
	while (off < len || rd.len > 0) {
		n = len - off < chunk ? len - off : chunk;
		if (n > sizeof(rd.buf) - rd.len)
			n = sizeof(rd.buf) - rd.len;
		memcpy(rd.buf + rd.len, data + off, n);
		rd.len += n;
		off += n;
		while ((rc = msg_get(&rd, &m, &err)) == 1) {
			FUZZ_ASSERT(!refused, "a refused reader stays refused");
			FUZZ_ASSERT(m.type > 0 && m.type < MSG_TYPE_MAX,
			    "a frame has a known type");
			FUZZ_ASSERT((m.flags & ~MSG_FD) == 0 &&
			    !(m.flags & MSG_FD), "no unknown flag, no fd");
			FUZZ_ASSERT(m.len <= MSG_PAYLOAD_MAX,
			    "a payload within the limit");
			plen = (uint32_t)m.len;
			FUZZ_ASSERT(consumed + MSG_HEADER + m.len <= len &&
			    memcmp(data + consumed, &plen, 4) == 0 &&
			    memcmp(data + consumed + 4, &m.type, 2) == 0 &&
			    memcmp(data + consumed + 6, &m.flags, 2) == 0 &&
			    memcmp(data + consumed + MSG_HEADER, m.data,
			    m.len) == 0, "a frame is exactly the bytes it took");
			consumed += MSG_HEADER + m.len;
			fuzz_fields(&m);
		}
		if (rc == -1) {
			FUZZ_ASSERT(err != NULL, "a refusal says why");
			refused = 1;
			FUZZ_ASSERT(msg_get(&rd, &m, &err) == -1,
			    "asking again is refused again");
			break;
		}
		if (off == len)
			break;
	}
	FUZZ_ASSERT(refused || consumed + rd.len == len,
	    "what is not a frame yet is kept, byte for byte");
	return 0;
}
