/*
 * fuzz_gophermap.c: libFuzzer harness for gopher_map, which turns a
 * capsule author's hand-written gophermap into menu lines.  Whatever the
 * file holds, the output must be a well-formed menu (the oracle in
 * fuzz.h).  The first byte picks the directory and our port.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gopher.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	b;
	unsigned char	opt;

	if (size == 0)
		return 0;
	opt = data[0];
	buf_init(&b);
	gopher_map(&b, (const char *)data + 1, size - 1,
	    opt & 1 ? "/dir/sub/" : "/", "localhost", opt & 2 ? 70 : 65535);
	FUZZ_ASSERT(!b.failed, "rendering succeeds");
	fuzz_menu(b.data, b.len);
	buf_free(&b);
	return 0;
}
