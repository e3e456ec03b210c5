/*
 * fuzz_uri_resolve.c: libFuzzer harness for uri_resolve, which turns a
 * link found in a page into the path of a capsule file (the Gopher
 * selector and snapshot key).  The input is "dir NUL reference"; the
 * directory is made absolute with a trailing slash as the renderer
 * guarantees.  A resolved path must be absolute, free of control bytes
 * and dot segments, and a fixed point: resolving it again, and
 * normalizing it as a request path, changes nothing.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "uri.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 dir, out, again;
	const char	*in = (const char *)data, *nul, *err;
	char		*copy;
	size_t		 dirlen, len;

	nul = memchr(in, '\0', size);
	dirlen = nul != NULL ? (size_t)(nul - in) : 0;
	buf_init(&dir);
	buf_init(&out);
	buf_init(&again);
	if (dirlen == 0 || in[0] != '/')
		buf_addc(&dir, '/');
	buf_add(&dir, in, dirlen);
	if (dir.data[dir.len - 1] != '/')
		buf_addc(&dir, '/');
	buf_addc(&dir, '\0');
	/* Directory names in a snapshot never hold control bytes. */
	if (!fuzz_no_controls(dir.data, dir.len - 1))
		goto done;
	if (nul != NULL) {
		in += dirlen + 1;
		size -= dirlen + 1;
	}
	if (uri_resolve(dir.data, in, size, &out) == 0) {
		FUZZ_ASSERT(out.len >= 1 && out.data[0] == '/',
		    "resolved path is absolute");
		FUZZ_ASSERT(fuzz_no_controls(out.data, out.len),
		    "no control byte in a resolved path");
		buf_addc(&out, '\0');
		out.len--;
		FUZZ_ASSERT(strstr(out.data, "/../") == NULL &&
		    strstr(out.data, "/./") == NULL &&
		    (out.len < 3 || strcmp(out.data + out.len - 3,
		    "/..") != 0) && (out.len < 2 ||
		    strcmp(out.data + out.len - 2, "/.") != 0),
		    "no dot segments in a resolved path");
		if (memchr(out.data, '%', out.len) == NULL &&
		    memchr(out.data, '?', out.len) == NULL &&
		    memchr(out.data, '#', out.len) == NULL) {
			FUZZ_ASSERT(uri_resolve("/", out.data, out.len,
			    &again) == 0 && again.len == out.len &&
			    memcmp(again.data, out.data, out.len) == 0,
			    "resolving a resolved path changes nothing");
		}
		if ((copy = malloc(out.len + 2)) != NULL) {
			memcpy(copy, out.data, out.len + 1);
			len = out.len;
			FUZZ_ASSERT(uri_path_normalize(copy, &len, &err) == 0 &&
			    len == out.len && memcmp(copy, out.data, len) == 0,
			    "a resolved path is already normal");
			free(copy);
		}
	}
done:
	buf_free(&dir);
	buf_free(&out);
	buf_free(&again);
	return 0;
}
