/*
 * mime.h: file name extension to MIME type and Gopher item type.
 */

#ifndef CAPSULED_MIME_H
#define CAPSULED_MIME_H

struct mime_type {
	const char	*ext;
	const char	*type;
	char		 gophertype;
};

const struct mime_type	*mime_lookup(const char *);

#endif /* CAPSULED_MIME_H */
