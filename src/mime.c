/*
 * mime.c: the one table that maps a file name extension to its MIME type
 * (for Gemini) and its Gopher item type.  Lookup is by the part after the
 * last dot, case-insensitive; anything unknown is a binary download.
 */

#include <string.h>
#include <strings.h>

#include "mime.h"

static const struct mime_type mime_table[] = {
	{ "gmi",	"text/gemini",			'1' },
	{ "gemini",	"text/gemini",			'1' },
	{ "txt",	"text/plain; charset=utf-8",	'0' },
	{ "text",	"text/plain; charset=utf-8",	'0' },
	{ "md",		"text/markdown",		'0' },
	{ "csv",	"text/csv",			'0' },
	{ "css",	"text/css",			'0' },
	{ "xml",	"text/xml",			'0' },
	{ "atom",	"application/atom+xml",		'0' },
	{ "rss",	"application/rss+xml",		'0' },
	{ "json",	"application/json",		'0' },
	{ "html",	"text/html",			'h' },
	{ "htm",	"text/html",			'h' },
	{ "gif",	"image/gif",			'g' },
	{ "png",	"image/png",			'I' },
	{ "jpg",	"image/jpeg",			'I' },
	{ "jpeg",	"image/jpeg",			'I' },
	{ "webp",	"image/webp",			'I' },
	{ "svg",	"image/svg+xml",		'I' },
	{ "ico",	"image/x-icon",			'I' },
	{ "mp3",	"audio/mpeg",			's' },
	{ "ogg",	"audio/ogg",			's' },
	{ "opus",	"audio/ogg",			's' },
	{ "flac",	"audio/flac",			's' },
	{ "wav",	"audio/wav",			's' },
	{ "mp4",	"video/mp4",			';' },
	{ "webm",	"video/webm",			';' },
	{ "pdf",	"application/pdf",		'd' },
	{ "epub",	"application/epub+zip",		'9' },
	{ "zip",	"application/zip",		'5' },
	{ "gz",		"application/gzip",		'9' },
	{ "tgz",	"application/gzip",		'9' },
	{ "xz",		"application/x-xz",		'9' },
	{ "tar",	"application/x-tar",		'9' },
	{ "hqx",	"application/mac-binhex40",	'4' },
};

static const struct mime_type mime_default = {
	"", "application/octet-stream", '9'
};

/* Type of a file name or path; never NULL. */
const struct mime_type *
mime_lookup(const char *name)
{
	const char	*slash, *dot;
	size_t		 i;

	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	if ((dot = strrchr(name, '.')) == NULL || dot == name)
		return &mime_default;
	for (i = 0; i < sizeof(mime_table) / sizeof(mime_table[0]); i++)
		if (strcasecmp(dot + 1, mime_table[i].ext) == 0)
			return &mime_table[i];
	return &mime_default;
}
