/*
 * parselimit.c: the directives of the per-address limits (quota.c):
 * max-connections-per-address and rate-limit, at the top and in a
 * server block, and address-table and ipv6-prefix at the top.  It
 * only fills in struct config and struct server; it never makes the
 * table, which is the parent's (gen.c) once the file is accepted.
 */

#include "config.h"
#include "parselimit.h"
#include "quota.h"
#include "scan.h"

/*
 * max-connections-per-address N | off: at the top (every server's
 * default) and in a server block (quota.c).
 */
int
parselimit_per_address(struct parse *ps)
{
	const char	*what = "max-connections-per-address";
	long long	 n;
	int		*dst = ps->srv != NULL ? &ps->srv->per_address :
			    &ps->conf->per_address;

	if (scan_once(ps, what) == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off")) {
		*dst = 0;
		return 0;
	}
	if (scan_number_here(ps, what, 1, QUOTA_PER_ADDRESS_MAX, 0,
	    &n) == -1)
		return -1;
	*dst = (int)n;
	return 0;
}

/* rate-limit REQUESTS SECONDS | off: at the top and in a server. */
int
parselimit_rate_limit(struct parse *ps)
{
	long long	 req, secs;
	int		*r = ps->srv != NULL ? &ps->srv->rate_requests :
			    &ps->conf->rate_requests;
	int		*s = ps->srv != NULL ? &ps->srv->rate_seconds :
			    &ps->conf->rate_seconds;

	if (scan_once(ps, "rate-limit") == -1 || scan_next(ps) == -1)
		return -1;
	if (scan_is(ps, "off")) {
		*r = 0;
		*s = 0;
		return 0;
	}
	if (scan_number_here(ps, "rate-limit", 1, QUOTA_REQUESTS_MAX, 0,
	    &req) == -1 ||
	    scan_number(ps, "rate-limit seconds", 1, QUOTA_SECONDS_MAX, 0,
	    &secs) == -1)
		return -1;
	*r = (int)req;
	*s = (int)secs;
	return 0;
}

/* address-table slots: how many addresses the limits keep at once. */
int
parselimit_address_table(struct parse *ps)
{
	long long	n;

	if (scan_once(ps, "address-table") == -1 ||
	    scan_number(ps, "address-table", QUOTA_TABLE_MIN,
	    QUOTA_TABLE_MAX, 1, &n) == -1)
		return -1;
	ps->conf->address_table = (int)n;
	return 0;
}

/* ipv6-prefix bits: IPv6 clients are counted by this prefix. */
int
parselimit_ipv6_prefix(struct parse *ps)
{
	return scan_int_once(ps, "ipv6-prefix", QUOTA_V6_PREFIX_MIN, 128,
	    &ps->conf->ipv6_prefix);
}
