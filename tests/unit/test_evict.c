/*
 * test_evict.c: which waiting connection makes room (evict.c).  Each
 * case is a script of operations on a few entries: put entry N in the
 * silent or the started queue, take it out, or pick the one to evict,
 * which must be the one named (or none).  What must hold: silent ones
 * go first, each queue in the order its entries came, an entry that
 * moves on goes to the tail of its new queue, and one taken out (its
 * request complete) is never picked.
 */

#include <stdio.h>
#include <string.h>

#include "evict.h"
#include "unit.h"

#define ENTRIES	6

/* 's'/'t' N: wait in the silent/started queue; 'd' N: done; 'p' N: pick,
   N -1 for none. */
struct evict_op {
	char	op;
	int	n;
};

struct evict_case {
	const char		*name;
	struct evict_op		 ops[16];
	int			 nops;
};

static const struct evict_case cases[] = {
	{ "nothing waits: nothing to pick", { { 'p', -1 } }, 1 },
	{ "silent ones in the order they came",
	    { { 's', 0 }, { 's', 1 }, { 's', 2 }, { 'p', 0 }, { 'p', 1 },
	    { 'p', 2 }, { 'p', -1 } }, 7 },
	{ "a silent one before an older started one",
	    { { 't', 0 }, { 's', 1 }, { 'p', 1 }, { 'p', 0 }, { 'p', -1 } },
	    5 },
	{ "moving on: to the tail of the started queue",
	    { { 's', 0 }, { 's', 1 }, { 't', 2 }, { 't', 0 }, { 'p', 1 },
	    { 'p', 2 }, { 'p', 0 }, { 'p', -1 } }, 8 },
	{ "a complete request is never picked",
	    { { 's', 0 }, { 's', 1 }, { 'd', 0 }, { 'p', 1 }, { 'p', -1 } },
	    5 },
	{ "done twice, or never queued, is harmless",
	    { { 'd', 3 }, { 's', 0 }, { 'd', 0 }, { 'd', 0 }, { 'p', -1 } },
	    5 },
	{ "mixed queues",
	    { { 't', 0 }, { 't', 1 }, { 's', 2 }, { 't', 3 }, { 's', 4 },
	    { 'p', 2 }, { 'p', 4 }, { 'p', 0 }, { 'p', 1 }, { 'p', 3 },
	    { 'p', -1 } }, 11 },
	{ "waiting again in the same queue: to its tail",
	    { { 's', 0 }, { 's', 1 }, { 's', 0 }, { 'p', 1 }, { 'p', 0 } },
	    5 },
	{ "picked ones can wait again",
	    { { 's', 0 }, { 'p', 0 }, { 's', 0 }, { 't', 1 }, { 'p', 0 },
	    { 'p', 1 }, { 'p', -1 } }, 7 },
};

static int	owners[ENTRIES];

/* Run one case; 1 when every pick and count came out as written. */
static int
run(const struct evict_case *c, char *why, size_t whylen)
{
	struct evict_entry	 e[ENTRIES];
	size_t			 want = 0;
	int			 i, k, queued[ENTRIES] = { 0 };
	int			*got;

	memset(e, 0, sizeof(e));
	for (i = 0; i < c->nops; i++) {
		k = c->ops[i].n;
		switch (c->ops[i].op) {
		case 's':
		case 't':
			evict_wait(&e[k], c->ops[i].op == 's' ? EVICT_SILENT :
			    EVICT_STARTED, &owners[k]);
			if (!queued[k])
				want++;
			queued[k] = 1;
			break;
		case 'd':
			evict_done(&e[k]);
			if (queued[k])
				want--;
			queued[k] = 0;
			break;
		case 'p':
			got = evict_pick();
			if ((k == -1 && got != NULL) || (k != -1 &&
			    got != &owners[k])) {
				snprintf(why, whylen, "op %d: picked %d, wanted "
				    "%d", i, got == NULL ? -1 :
				    (int)(got - owners), k);
				goto fail;
			}
			if (k != -1) {
				queued[k] = 0;
				want--;
			}
			break;
		}
		if (evict_count() != want) {
			snprintf(why, whylen, "op %d: %zu waiting, wanted %zu",
			    i, evict_count(), want);
			goto fail;
		}
	}
	for (k = 0; k < ENTRIES; k++)
		evict_done(&e[k]);
	return evict_count() == 0;
fail:
	for (k = 0; k < ENTRIES; k++)
		evict_done(&e[k]);
	return 0;
}

int
main(void)
{
	char	why[128];
	size_t	i;

	UNIT_PLAN((int)(sizeof(cases) / sizeof(cases[0])));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		UNIT_CHECK(run(&cases[i], why, sizeof(why)), "evict: %s%s%s",
		    cases[i].name, why[0] != '\0' ? ": " : "", why);
	}
	UNIT_DONE();
}
