/*
 * bench_search.c: what the search costs.  For the shipped capsule and for
 * a generated capsule of many pages, it builds the real snapshot with and
 * without the search (time, memory), then times whole search replies
 * (results_gemini and results_gopher: decode, query, ranking, excerpts,
 * the page or menu) for a fixed set of queries and prints the median,
 * 99th percentile and worst time of each.  Single-threaded, in-process:
 * this is the work a worker does for one search request, without the
 * network.
 *
 *   bench_search [-n pages] [-r rounds] [-k] capsule
 *   bench_search -g dir [-n pages]	only write the generated capsule
 *
 * The generated pages are deterministic (fixed seed): a heading, a few
 * paragraphs, a sub-heading, a list and links, from a vocabulary of the
 * guide's words and made-up ones with a skewed (Zipf-like) frequency.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "buf.h"
#include "build.h"
#include "log.h"
#include "results.h"
#include "search.h"
#include "snapshot.h"

#define BENCH_VOCAB	20000
#define BENCH_PER_DIR	100

static const char *const bench_real[] = {
	"leadership", "leader", "leaders", "leading", "health", "care",
	"colleagues", "decisions", "team", "teams", "guide", "principles",
	"career", "careers", "early", "learning", "skills", "role", "roles",
	"service", "services", "users", "workload", "managing", "confident",
	"training", "experience", "programme", "generalist", "system",
	"quality", "standard", "review", "collaborative", "seniority",
	"pressure", "settings", "challenging", "evolving", "progression",
	"influence", "journey", "resource", "fellow", "importance",
};

static const char *const bench_syl[] = {
	"ka", "ri", "to", "me", "sa", "lu", "ne", "po", "ta", "vi", "ro",
	"de", "mi", "ga", "shu", "len", "mar", "tek", "bo", "zi", "quo",
	"fra", "pel", "dan", "wis", "ole", "un", "ax", "ber", "cor",
};

static char		*bench_vocab[BENCH_VOCAB];
static uint64_t		 bench_seed = 0x9e3779b97f4a7c15ULL;

static uint32_t
bench_rand(void)
{
	bench_seed ^= bench_seed << 13;
	bench_seed ^= bench_seed >> 7;
	bench_seed ^= bench_seed << 17;
	return (uint32_t)(bench_seed >> 16);
}

static void
bench_make_vocab(void)
{
	size_t	i, nreal = sizeof(bench_real) / sizeof(bench_real[0]);
	char	w[64];
	int	k, n;

	for (i = 0; i < BENCH_VOCAB; i++) {
		if (i < nreal) {
			bench_vocab[i] = strdup(bench_real[i]);
			continue;
		}
		w[0] = '\0';
		n = 2 + (int)(bench_rand() % 3);
		for (k = 0; k < n; k++)
			strlcat(w, bench_syl[bench_rand() % (sizeof(bench_syl) /
			    sizeof(bench_syl[0]))], sizeof(w));
		bench_vocab[i] = strdup(w);
	}
}

/* A word, the common ones far more often (u^3 skews to the front). */
static const char *
bench_word(void)
{
	double	u = (bench_rand() % 1000000) / 1000000.0;

	return bench_vocab[(size_t)(u * u * u * BENCH_VOCAB)];
}

static void
bench_words(struct buf *b, int n)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		buf_adds(b, bench_word());
		if (i % 11 == 10)
			buf_addc(b, i % 3 ? ',' : '.');
	}
}

static void
bench_page(struct buf *b, size_t i, size_t npages)
{
	int	p, k;

	buf_reset(b);
	buf_adds(b, "# ");
	bench_words(b, 3 + (int)(bench_rand() % 4));
	buf_adds(b, "\n\n");
	for (p = 0; p < 4; p++) {
		bench_words(b, 50 + (int)(bench_rand() % 70));
		buf_adds(b, ".\n\n");
		if (p == 1) {
			buf_adds(b, "## ");
			bench_words(b, 2 + (int)(bench_rand() % 3));
			buf_adds(b, "\n\n");
			for (k = 0; k < 3; k++) {
				buf_adds(b, "* ");
				bench_words(b, 6);
				buf_addc(b, '\n');
			}
			buf_addc(b, '\n');
		}
	}
	buf_addf(b, "=> /d%03zu/p%05zu.gmi See also\n", ((i + 7) % npages) /
	    BENCH_PER_DIR, (i + 7) % npages);
	buf_adds(b, "=> / Back to the start\n");
}

static int
bench_generate(const char *dir, size_t npages)
{
	struct buf	b;
	char		path[PATH_MAX];
	size_t		i;
	int		fd;

	bench_make_vocab();
	buf_init(&b);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/index.gmi", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	dprintf(fd, "# Generated capsule\n\n%zu pages.\n=> /search Search\n",
	    npages);
	close(fd);
	for (i = 0; i < npages; i++) {
		if (i % BENCH_PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%03zu", dir,
			    i / BENCH_PER_DIR);
			if (mkdir(path, 0755) == -1 && errno != EEXIST)
				return -1;
		}
		bench_page(&b, i, npages);
		snprintf(path, sizeof(path), "%s/d%03zu/p%05zu.gmi", dir,
		    i / BENCH_PER_DIR, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || write(fd, b.data, b.len) != (ssize_t)b.len)
			return -1;
		close(fd);
	}
	buf_free(&b);
	return 0;
}

static int
bench_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct snapshot *
bench_build(const char *root, int search, double *secs)
{
	struct snapshot_params	 p;
	struct snapshot		*s;
	const char		*err;
	double			 t0 = bench_now();

	memset(&p, 0, sizeof(p));
	p.root = root;
	p.host = "localhost";
	p.gopher_port = 70;
	p.inline_max = SNAPSHOT_INLINE_MAX;
	p.search = search;
	p.search_prompt = SEARCH_PROMPT;
	if (build_snapshot(&p, &s, &err) == -1) {
		fprintf(stderr, "bench_search: %s: %s\n", root, err);
		exit(1);
	}
	*secs = bench_now() - t0;
	return s;
}

/* Time one query; prints a line with median, p99, max in microseconds. */
static void
bench_query(const struct snapshot_search *ss, const char *q, int gopher,
    int rounds)
{
	struct buf	 b;
	double		*t, t0;
	size_t		 bytes = 0;
	int		 i, status = 0;

	if ((t = calloc(rounds, sizeof(*t))) == NULL)
		exit(1);
	for (i = 0; i < rounds; i++) {
		buf_init(&b);
		t0 = bench_now();
		if (gopher)
			status = results_gopher(ss, q, strlen(q), &b);
		else
			status = results_gemini(ss, q, strlen(q), &b);
		t[i] = (bench_now() - t0) * 1e6;
		bytes = b.len;
		buf_free(&b);
	}
	qsort(t, rounds, sizeof(*t), bench_cmp);
	printf("  %-7s %-34.34s %3d %7zu B  p50 %8.1f  p99 %8.1f  "
	    "max %8.1f us\n", gopher ? "gopher" : "gemini", q, status, bytes, t[rounds / 2],
	    t[(rounds * 99) / 100], t[rounds - 1]);
	free(t);
}

/* The index lookup and ranking alone, without excerpts or the page. */
static void
bench_lookup(const struct snapshot_search *ss, const char *q, int rounds)
{
	struct search_result	 r;
	size_t			 size = search_scratch_size(ss->index);
	double			*t, t0;
	void			*scratch;
	int			 i;

	if ((t = calloc(rounds, sizeof(*t))) == NULL ||
	    (scratch = calloc(1, size)) == NULL)
		exit(1);
	for (i = 0; i < rounds; i++) {
		t0 = bench_now();
		search_query(ss->index, q, strlen(q), scratch, size, &r);
		t[i] = (bench_now() - t0) * 1e6;
	}
	qsort(t, rounds, sizeof(*t), bench_cmp);
	printf("  %-7s %-34.34s %3zu matches  p50 %8.1f  p99 %8.1f  max %8.1f"
	    " us\n", "lookup", q, r.matches, t[rounds / 2],
	    t[(rounds * 99) / 100], t[rounds - 1]);
	free(scratch);
	free(t);
}

static void
bench_capsule(const char *name, const char *root, const char *const *queries,
    int rounds)
{
	const struct snapshot_search	*ss;
	struct snapshot			*on, *off;
	double				 ton, toff;
	size_t				 i;

	off = bench_build(root, 0, &toff);
	on = bench_build(root, 1, &ton);
	ss = snapshot_search(on);
	printf("%s: %zu pages indexed, %zu words\n", name,
	    search_count(ss->index), search_terms(ss->index));
	printf("  snapshot without search: %8zu KiB, built in %7.1f ms\n",
	    snapshot_bytes(off) / 1024, toff * 1e3);
	printf("  snapshot with search:    %8zu KiB, built in %7.1f ms\n",
	    snapshot_bytes(on) / 1024, ton * 1e3);
	printf("  search index:            %8zu KiB (%.1f%% of the snapshot)"
	    "\n", search_bytes(ss->index) / 1024,
	    100.0 * search_bytes(ss->index) / snapshot_bytes(on));
	printf("  scratch per worker:      %8zu KiB\n",
	    search_scratch_size(ss->index) / 1024);
	printf("  query latency, %d rounds each (whole reply, in process):\n",
	    rounds);
	for (i = 0; queries[i] != NULL; i++) {
		char	 enc[SEARCH_QUERY_MAX * 3 + 1], *e = enc;
		size_t	 k;

		for (k = 0; queries[i][k] != '\0'; k++) {
			if (queries[i][k] == ' ') {
				memcpy(e, "%20", 3);
				e += 3;
			} else
				*e++ = queries[i][k];
		}
		*e = '\0';
		bench_lookup(ss, queries[i], rounds);
		bench_query(ss, enc, 0, rounds);
		bench_query(ss, queries[i], 1, rounds);
	}
	snapshot_free(on);
	snapshot_free(off);
}

static __dead void
bench_usage(void)
{
	fprintf(stderr, "usage: bench_search [-k] [-n pages] [-r rounds] "
	    "capsule\n       bench_search -g dir [-n pages]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	static const char *const shipped[] = {
		"decisions", "colleagues", "leadership", "health care",
		"lead", "team decisions", NULL,
	};
	static const char *const generated[] = {
		"leadership", "colleagues decisions", "health care team",
		"lead", "ka", "quoshu", "zzzz",
		"one two three four five six seven eight",
		"care health team role skills guide early users",
		"lea car hea tea gui ser ski rol",
		NULL,
	};
	char		 tmpl[] = "/tmp/capsuled-bench-search.XXXXXX";
	const char	*err, *gen = NULL;
	size_t		 npages = 10000;
	int		 ch, rounds = 2000, keep = 0;

	log_init(1, 0);
	while ((ch = getopt(argc, argv, "g:kn:r:")) != -1) {
		switch (ch) {
		case 'g':
			gen = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			npages = strtonum(optarg, 1, SNAPSHOT_MAX_FILES / 2, &err);
			if (err != NULL)
				bench_usage();
			break;
		case 'r':
			rounds = (int)strtonum(optarg, 1, 1000000, &err);
			if (err != NULL)
				bench_usage();
			break;
		default:
			bench_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (gen != NULL) {
		if (bench_generate(gen, npages) == -1) {
			perror(gen);
			return 1;
		}
		return 0;
	}
	if (argc != 1)
		bench_usage();
	bench_capsule("shipped capsule", argv[0], shipped, rounds);
	if (mkdtemp(tmpl) == NULL || bench_generate(tmpl, npages) == -1) {
		perror(tmpl);
		return 1;
	}
	printf("\n");
	bench_capsule("generated capsule", tmpl, generated,
	    rounds > 200 ? 200 : rounds);
	if (keep)
		printf("kept %s\n", tmpl);
	else
		nftw(tmpl, bench_rm, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
