/*
 * inject.c: make a live process run one system call, as an attacker
 * with code inside it would (tests only; Linux x86_64 and aarch64).
 *
 *	inject PID NR [ARG...]
 *
 * NR "i386:N" (x86_64 only) makes the call through the 32-bit entry
 * (int $0x80), as a compat-mode attacker would: N is an i386 number,
 * the ARGs numbers only (the scratch area is above 4 GiB).
 * ARG is a number (decimal or 0x hex; negative allowed), "s:TEXT" (a
 * NUL-terminated string put into the process's memory, below its
 * stack), or "b:N" (N zero bytes there).  The process is stopped with
 * PTRACE_SEIZE/INTERRUPT, made to execute a syscall instruction of its
 * own code with the given registers, and put back as it was.  Prints
 * "ret N" (N is the raw return: a negative errno on failure) or "killed
 * SIG" when the call killed the process (a seccomp filter), then exits
 * 0; anything that went wrong with the injection itself exits 1.
 */

#include <sys/types.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
static const unsigned char insn[] = { 0x0f, 0x05 };		/* syscall */
static const unsigned char insn32[] = { 0xcd, 0x80 };		/* int $0x80 */
#elif defined(__aarch64__)
static const unsigned char insn[] = { 0x01, 0x00, 0x00, 0xd4 };	/* svc #0 */
#else
#error "inject.c knows x86_64 and aarch64"
#endif

static void
die(const char *what)
{
	fprintf(stderr, "inject: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * The address of a system call instruction (the n bytes at want) in the
 * process's code; any place those bytes occur executes as one.
 */
static uint64_t
find_insn(pid_t pid, int mem, const unsigned char *want, size_t n)
{
	char		 path[64], line[512], perms[8];
	unsigned long	 lo, hi;
	unsigned char	*buf;
	FILE		*fp;
	size_t		 i, len;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		die("maps");
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[2] != 'x' || hi - lo > 64 * 1024 * 1024)
			continue;
		len = hi - lo;
		if ((buf = malloc(len)) == NULL)
			die("malloc");
		if (pread(mem, buf, len, (off_t)lo) != (ssize_t)len) {
			free(buf);
			continue;
		}
		for (i = 0; i + n <= len; i += n == 4 ? 4 : 1)
			if (memcmp(buf + i, want, n) == 0) {
				free(buf);
				fclose(fp);
				return lo + i;
			}
		free(buf);
	}
	fclose(fp);
	errno = ENOENT;
	die("no system call instruction found");
	return 0;
}

static int
getregs(pid_t pid, struct user_regs_struct *r)
{
	struct iovec	io = { r, sizeof(*r) };

	return (int)ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io);
}

static int
setregs(pid_t pid, struct user_regs_struct *r)
{
	struct iovec	io = { r, sizeof(*r) };

	return (int)ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io);
}

int
main(int argc, char *argv[])
{
	struct user_regs_struct	 saved, r;
	uint64_t		 args[6] = { 0 }, scratch, at;
	char			 path[64];
	pid_t			 pid;
	long			 nr;
	int			 i, st, mem, compat = 0;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: inject pid nr [arg ...]\n");
		return 1;
	}
	pid = (pid_t)strtol(argv[1], NULL, 10);
	if (strncmp(argv[2], "i386:", 5) == 0) {
#if defined(__x86_64__)
		compat = 1;
		nr = strtol(argv[2] + 5, NULL, 0);
#else
		fprintf(stderr, "inject: i386 calls only on x86_64\n");
		return 1;
#endif
	} else
		nr = strtol(argv[2], NULL, 0);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == -1)
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == -1)
		die("PTRACE_INTERRUPT");
	if (waitpid(pid, &st, __WALL) == -1 || !WIFSTOPPED(st))
		die("waitpid");
	if ((mem = open(path, O_RDWR)) == -1)
		die(path);
	if (getregs(pid, &saved) == -1)
		die("GETREGS");
#if defined(__x86_64__)
	scratch = (saved.rsp - 65536) & ~(uint64_t)15;
#else
	scratch = (saved.sp - 65536) & ~(uint64_t)15;
#endif
	at = scratch;
	for (i = 3; i < argc; i++) {
		const char	*a = argv[i];

		if (strncmp(a, "s:", 2) == 0 || strncmp(a, "b:", 2) == 0) {
			size_t	 n = a[0] == 's' ? strlen(a + 2) + 1 :
				    (size_t)strtoul(a + 2, NULL, 0);
			char	*z = calloc(1, n + 1);

			if (z == NULL)
				die("calloc");
			if (a[0] == 's')
				memcpy(z, a + 2, n);
			if (pwrite(mem, z, n, (off_t)at) != (ssize_t)n)
				die("writing the argument");
			free(z);
			args[i - 3] = at;
			at += (n + 15) & ~(size_t)15;
		} else
			args[i - 3] = (uint64_t)strtoll(a, NULL, 0);
	}
	r = saved;
#if defined(__x86_64__)
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;	/* no restart of what was interrupted */
	if (compat) {
		/* The i386 convention: ebx, ecx, edx, esi, edi, ebp. */
		r.rip = find_insn(pid, mem, insn32, sizeof(insn32));
		r.rbx = args[0];
		r.rcx = args[1];
		r.rdx = args[2];
		r.rsi = args[3];
		r.rdi = args[4];
		r.rbp = args[5];
	} else {
		r.rip = find_insn(pid, mem, insn, sizeof(insn));
		r.rdi = args[0];
		r.rsi = args[1];
		r.rdx = args[2];
		r.r10 = args[3];
		r.r8 = args[4];
		r.r9 = args[5];
	}
#else
	(void)compat;
	r.pc = find_insn(pid, mem, insn, sizeof(insn));
	r.regs[8] = (uint64_t)nr;
	for (i = 0; i < 6; i++)
		r.regs[i] = args[i];
#endif
	if (setregs(pid, &r) == -1)
		die("SETREGS");
	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == -1)
		die("SINGLESTEP");
	if (waitpid(pid, &st, __WALL) == -1)
		die("waitpid");
	if (WIFSIGNALED(st)) {
		printf("killed %d\n", WTERMSIG(st));
		return 0;
	}
	if (WIFEXITED(st)) {
		printf("exited %d\n", WEXITSTATUS(st));
		return 0;
	}
	if (getregs(pid, &r) == -1)
		die("GETREGS");
#if defined(__x86_64__)
	printf("ret %lld\n", (long long)r.rax);
#else
	printf("ret %lld\n", (long long)r.regs[0]);
#endif
	if (setregs(pid, &saved) == -1)
		die("SETREGS");
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) == -1)
		die("DETACH");
	return 0;
}
