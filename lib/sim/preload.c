// SPDX-License-Identifier: MIT
/*
 * libcca-preload.so: run an unmodified VMM on the simulated KVM+RMM.
 *
 *   LD_PRELOAD=.../libcca-preload.so CCA_ABI_REVISION=v13 ./my-vmm ...
 *
 * The library interposes the libc entry points through which a VMM reaches
 * KVM and routes whatever concerns "/dev/kvm" (or $CCA_KVM_PATH) to one
 * simulator (kvm.c), created at the first open of that path:
 *
 *   open, open64, openat, openat64   (and glibc's fortified __open_2 & co.)
 *                       the KVM path opens a simulated /dev/kvm; any other
 *                       path goes to libc
 *   ioctl               on a simulated fd (/dev/kvm, VM, vCPU, guest_memfd,
 *                       vGIC device): the simulated kernel's answer, with its
 *                       -errno turned into -1 and errno
 *   mmap, mmap64        of a vCPU fd: that vCPU's kvm_run page
 *   munmap              of a kvm_run page: nothing (the page lives as long as
 *                       its vCPU); anything else goes to libc
 *   fallocate(64)       on a guest_memfd: PUNCH_HOLE in the model
 *   close               of a simulated fd: the simulated close
 *
 * Simulated fds are real fd numbers: each is a reserved memfd (or /dev/null)
 * opened through libc, which the simulator allocates and releases through
 * struct cca_sim_fd_ops. A VMM's poll(), dup() or stray close() of such a
 * number therefore never touches an unrelated file.
 *
 * Environment (read once, at the first open of the KVM path):
 *   CCA_ABI_REVISION  v12..v15 (default v15): the kernel revision to model
 *   CCA_SIM_GUEST     a guest program file (docs/guest-scripts.md); default:
 *                     the built-in Linux-like SMP guest
 *   CCA_KVM_PATH      the path to route (default /dev/kvm)
 *   CCA_SIM_RIM_FILE  where to write, one hex line per realm, the RIM the
 *                     simulated RMM holds for each realm VM, when its VM fd
 *                     is closed or at exit
 *   CCA_SIM_TRACE     when set and not "0": one stderr line per simulated call
 *
 * Recursion: the simulator itself calls mmap/munmap/madvise/mincore for
 * anonymous memory, by name, so those calls come back here. Anonymous
 * mappings (fd -1) and fds the simulator does not own pass straight through,
 * and a thread-local flag sends every call made from inside the simulator
 * to libc without looking at the simulator (whose lock that thread may hold).
 *
 * Limits (docs/preload.md): raw syscall(2) calls and statically linked
 * binaries bypass the interposition; one simulated host per process; dup()
 * of a simulated fd gives a plain file, not a second handle on the object.
 */
/* The interposed prototypes are libc's own, without large-file or fortify redirections. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rmi/abi.h>
#include <rmi/sim.h>
#include <rmi/uapi.h>

#include "sim/sim.h"

#define PUBLIC __attribute__((visibility("default")))

#define ENV_REVISION "CCA_ABI_REVISION"
#define ENV_KVM_PATH "CCA_KVM_PATH"
#define ENV_RIM_FILE "CCA_SIM_RIM_FILE"
#define ENV_TRACE "CCA_SIM_TRACE"
#define GUEST_MAX (4U << 20) /* a guest program file larger than this is refused */

/* ---- the real libc functions ------------------------------------------------------------ */

static struct {
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*open_2)(const char *, int);
	int (*open64_2)(const char *, int);
	int (*openat_2)(int, const char *, int);
	int (*openat64_2)(int, const char *, int);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	void *(*mmap64)(void *, size_t, int, int, int, off64_t);
	int (*munmap)(void *, size_t);
	int (*close)(int);
	int (*fallocate)(int, int, off_t, off_t);
	int (*fallocate64)(int, int, off64_t, off64_t);
} real;

static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static char kvm_path[4096] = "/dev/kvm";
static bool trace;

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	return p ? p : dlsym(RTLD_DEFAULT, name);
}

/* void * to a function pointer: fine on every POSIX system (dlsym's contract). */
#define LOAD(field, name) (real.field = (__typeof__(real.field))next_sym(name))

static void resolve(void)
{
	LOAD(open, "open");
	LOAD(open64, "open64");
	LOAD(openat, "openat");
	LOAD(openat64, "openat64");
	LOAD(open_2, "__open_2");
	LOAD(open64_2, "__open64_2");
	LOAD(openat_2, "__openat_2");
	LOAD(openat64_2, "__openat64_2");
	LOAD(ioctl, "ioctl");
	LOAD(mmap, "mmap");
	LOAD(mmap64, "mmap64");
	LOAD(munmap, "munmap");
	LOAD(close, "close");
	LOAD(fallocate, "fallocate");
	LOAD(fallocate64, "fallocate64");
	/* Missing aliases (another libc): fall back on the plain names. */
	if (!real.open64)
		real.open64 = real.open;
	if (!real.openat64)
		real.openat64 = real.openat;
	if (!real.mmap64)
		real.mmap64 = (__typeof__(real.mmap64))next_sym("mmap");
	if (!real.fallocate64)
		real.fallocate64 = (__typeof__(real.fallocate64))next_sym("fallocate");

	const char *p = getenv(ENV_KVM_PATH);
	if (p && *p && strlen(p) < sizeof(kvm_path))
		snprintf(kvm_path, sizeof(kvm_path), "%s", p);
	const char *t = getenv(ENV_TRACE);
	trace = t && *t && strcmp(t, "0") != 0;
}

static inline void need_real(void)
{
	pthread_once(&real_once, resolve);
}

/* Early resolution, before the VMM starts threads. */
__attribute__((constructor)) static void preload_init(void)
{
	need_real();
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("libcca-preload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the simulator ---------------------------------------------------------------------- */

static _Atomic(struct cca_sim *) the_sim;
static const struct cca_sys *sys;
static pthread_once_t sim_once = PTHREAD_ONCE_INIT;
static int sim_errno = ENODEV; /* why there is no simulator */

/* Set while this thread is inside the simulator: its libc calls are its own. */
static _Thread_local int in_sim;

/*
 * Own bookkeeping, under one lock that is never held while calling the
 * simulator: the kvm_run pages handed out (for munmap), the run page of each
 * vCPU fd (for KVM_RUN reports) and the VM fds (for the RIM file).
 */
struct map_rec {
	void *addr;
	unsigned int count;
};

struct vm_rec {
	int fd;
	bool failure_told;
};

static pthread_mutex_t book_lock = PTHREAD_MUTEX_INITIALIZER;
static struct map_rec *maps;
static size_t nr_maps, cap_maps;
static void **run_of_fd; /* indexed by fd */
static size_t nr_run_of_fd;
static struct vm_rec *vms;
static size_t nr_vms, cap_vms;

static struct cca_sim *sim_get(void)
{
	return atomic_load_explicit(&the_sim, memory_order_acquire);
}

/* fd numbers for simulated files: real, reserved, close-on-exec. */
static int reserve_fd(void *ctx)
{
	(void)ctx;
	int fd = memfd_create("cca-sim", MFD_CLOEXEC);
	if (fd < 0)
		fd = real.open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void release_fd(void *ctx, int fd)
{
	(void)ctx;
	real.close(fd); /* called under the simulator's lock: never our close() */
}

static char *read_file(const char *path, size_t *len, int *err)
{
	struct stat st;
	int fd = real.open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*err = errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size > (off_t)GUEST_MAX) {
		*err = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		*err = ENOMEM;
	} else {
		size_t n = 0;
		while (n < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		buf[n] = '\0';
		*len = n;
	}
	real.close(fd);
	return buf;
}

static void rim_file_reset(void)
{
	const char *path = getenv(ENV_RIM_FILE);
	if (!path || !*path)
		return;
	int fd = real.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		say("%s=%s: %s", ENV_RIM_FILE, path, strerror(errno));
	else
		real.close(fd);
}

static void sim_init(void)
{
	struct cca_sim_options o;
	enum cca_abi_rev rev = CCA_ABI_V15;
	struct cca_sim *s = NULL;
	char err[256] = "";
	char *guest = NULL;
	size_t guest_len = 0;

	need_real();
	const char *r = getenv(ENV_REVISION);
	if (r && *r && cca_abi_rev_parse(r, &rev)) {
		say("%s=%s: not a supported revision (v12..v15)", ENV_REVISION, r);
		sim_errno = EINVAL;
		return;
	}
	const char *gpath = getenv(CCA_ENV_SIM_GUEST);
	if (gpath && *gpath) {
		int e = 0;
		guest = read_file(gpath, &guest_len, &e);
		if (!guest) {
			say("%s=%s: %s", CCA_ENV_SIM_GUEST, gpath, strerror(e));
			sim_errno = e;
			return;
		}
		if (guest_len == 0) {
			say("%s=%s: empty guest program", CCA_ENV_SIM_GUEST, gpath);
			free(guest);
			sim_errno = EINVAL;
			return;
		}
	}
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.revision = rev;
	o.guest = guest;
	o.guest_len = guest_len;
	int ret = cca_sim_create(&o, &s, err, sizeof(err));
	free(guest); /* parsed: the simulator keeps no pointer to the text */
	if (ret) {
		say("cannot create the simulator: %s%s%s", gpath && *gpath ? gpath : "",
		    gpath && *gpath ? ": " : "", err);
		sim_errno = -ret;
		return;
	}
	const struct cca_sim_fd_ops ops = { .alloc = reserve_fd, .release = release_fd };
	cca_sim_set_fd_ops(s, &ops);
	sys = cca_sim_sys(s);
	rim_file_reset();
	if (trace)
		say("simulated %s: KVM CCA %s, %s guest", kvm_path, cca_abi_rev_name(rev),
		    gpath && *gpath ? gpath : "built-in");
	atomic_store_explicit(&the_sim, s, memory_order_release);
}

/* The simulator if @fd is one of its files, else NULL. */
static struct cca_sim *owner(int fd)
{
	struct cca_sim *s;
	if (in_sim || fd < 0 || !(s = sim_get()))
		return NULL;
	return cca_sim_owns_fd(s, fd) ? s : NULL;
}

static int ret_errno(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* ---- bookkeeping ------------------------------------------------------------------------- */

static void map_add(int fd, void *addr)
{
	pthread_mutex_lock(&book_lock);
	size_t i;
	for (i = 0; i < nr_maps && maps[i].addr != addr; i++)
		;
	if (i == nr_maps) {
		if (nr_maps == cap_maps) {
			size_t cap = cap_maps ? 2 * cap_maps : 16;
			struct map_rec *n = realloc(maps, cap * sizeof(*n));
			if (!n)
				goto out; /* munmap of it will then reach libc and fail: EINVAL */
			maps = n;
			cap_maps = cap;
		}
		maps[nr_maps++] = (struct map_rec){ addr, 0 };
	}
	maps[i].count++;
	if ((size_t)fd >= nr_run_of_fd) {
		size_t n = (size_t)fd + 64;
		void **t = realloc(run_of_fd, n * sizeof(*t));
		if (t) {
			memset(t + nr_run_of_fd, 0, (n - nr_run_of_fd) * sizeof(*t));
			run_of_fd = t;
			nr_run_of_fd = n;
		}
	}
	if ((size_t)fd < nr_run_of_fd)
		run_of_fd[fd] = addr;
out:
	pthread_mutex_unlock(&book_lock);
}

static bool map_del(void *addr)
{
	bool found = false;
	pthread_mutex_lock(&book_lock);
	for (size_t i = 0; i < nr_maps; i++) {
		if (maps[i].addr != addr)
			continue;
		if (--maps[i].count == 0)
			maps[i] = maps[--nr_maps];
		found = true;
		break;
	}
	pthread_mutex_unlock(&book_lock);
	return found;
}

static struct kvm_run *run_page(int fd)
{
	pthread_mutex_lock(&book_lock);
	void *p = (size_t)fd < nr_run_of_fd ? run_of_fd[fd] : NULL;
	pthread_mutex_unlock(&book_lock);
	return p;
}

static void vm_add(int fd)
{
	pthread_mutex_lock(&book_lock);
	if (nr_vms == cap_vms) {
		size_t cap = cap_vms ? 2 * cap_vms : 8;
		struct vm_rec *n = realloc(vms, cap * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&book_lock);
			return;
		}
		vms = n;
		cap_vms = cap;
	}
	vms[nr_vms++] = (struct vm_rec){ fd, false };
	pthread_mutex_unlock(&book_lock);
}

static bool vm_del(int fd)
{
	bool found = false;
	pthread_mutex_lock(&book_lock);
	for (size_t i = 0; i < nr_vms; i++)
		if (vms[i].fd == fd) {
			vms[i] = vms[--nr_vms];
			found = true;
			break;
		}
	pthread_mutex_unlock(&book_lock);
	return found;
}

/* One hex line per realm with a realm descriptor; VMs without one (probes) write nothing. */
static void rim_write(struct cca_sim *s, int vm_fd)
{
	const char *path = getenv(ENV_RIM_FILE);
	uint8_t rim[64];
	size_t len = 0;
	char line[2 * sizeof(rim) + 2];

	if (!path || !*path || cca_sim_rim(s, vm_fd, rim, &len) || !len || len > sizeof(rim))
		return;
	for (size_t i = 0; i < len; i++)
		snprintf(line + 2 * i, 3, "%02x", rim[i]);
	line[2 * len] = '\n';
	int fd = real.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		say("%s=%s: %s", ENV_RIM_FILE, path, strerror(errno));
		return;
	}
	if (write(fd, line, 2 * len + 1) != (ssize_t)(2 * len + 1))
		say("%s=%s: short write", ENV_RIM_FILE, path);
	real.close(fd);
}

/* After KVM_RUN: a failed guest check is worth one line naming the script line. */
static void report_guest_failure(struct cca_sim *s)
{
	char msg[256];
	pthread_mutex_lock(&book_lock);
	size_t n = nr_vms;
	int *fds = malloc((n ? n : 1) * sizeof(*fds));
	for (size_t i = 0; fds && i < n; i++)
		fds[i] = vms[i].failure_told ? -1 : vms[i].fd;
	pthread_mutex_unlock(&book_lock);
	for (size_t i = 0; fds && i < n; i++) {
		if (fds[i] < 0 || cca_sim_guest_failure(s, fds[i], msg, sizeof(msg)) != 1)
			continue;
		pthread_mutex_lock(&book_lock);
		bool told = true;
		for (size_t j = 0; j < nr_vms; j++)
			if (vms[j].fd == fds[i]) {
				told = vms[j].failure_told;
				vms[j].failure_told = true;
			}
		pthread_mutex_unlock(&book_lock);
		if (!told)
			say("guest program check failed (VM fd %d): %s", fds[i], msg);
	}
	free(fds);
}

__attribute__((destructor)) static void preload_fini(void)
{
	struct cca_sim *s = sim_get();
	if (!s)
		return;
	/* VMs the VMM left open. The simulator itself stays: other threads may still use it. */
	in_sim++;
	for (;;) {
		pthread_mutex_lock(&book_lock);
		int fd = nr_vms ? vms[--nr_vms].fd : -1;
		pthread_mutex_unlock(&book_lock);
		if (fd < 0)
			break;
		rim_write(s, fd);
	}
	in_sim--;
}

/* ---- open ------------------------------------------------------------------------------- */

static bool is_kvm(int dirfd, const char *path)
{
	if (in_sim || !path)
		return false;
	need_real();
	return (dirfd == AT_FDCWD || path[0] == '/') && strcmp(path, kvm_path) == 0;
}

static int open_sim(const char *path, int flags)
{
	pthread_once(&sim_once, sim_init);
	struct cca_sim *s = sim_get();
	if (!s) {
		errno = sim_errno;
		return -1;
	}
	in_sim++;
	int fd = sys->ops->open(sys->ctx, path, flags);
	in_sim--;
	if (trace)
		say("open(\"%s\") = %d", path, fd);
	return ret_errno(fd);
}

static bool has_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define MODE_ARG(flags, last)                   \
	mode_t mode = 0;                        \
	if (has_mode(flags)) {                  \
		va_list ap;                     \
		va_start(ap, last);             \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap);                     \
	}

PUBLIC int open(const char *path, int flags, ...)
{
	MODE_ARG(flags, flags);
	if (is_kvm(AT_FDCWD, path))
		return open_sim(path, flags);
	need_real();
	return real.open(path, flags, mode);
}

PUBLIC int open64(const char *path, int flags, ...)
{
	MODE_ARG(flags, flags);
	if (is_kvm(AT_FDCWD, path))
		return open_sim(path, flags);
	need_real();
	return real.open64(path, flags, mode);
}

PUBLIC int openat(int dirfd, const char *path, int flags, ...)
{
	MODE_ARG(flags, flags);
	if (is_kvm(dirfd, path))
		return open_sim(path, flags);
	need_real();
	return real.openat(dirfd, path, flags, mode);
}

PUBLIC int openat64(int dirfd, const char *path, int flags, ...)
{
	MODE_ARG(flags, flags);
	if (is_kvm(dirfd, path))
		return open_sim(path, flags);
	need_real();
	return real.openat64(dirfd, path, flags, mode);
}

/* glibc's _FORTIFY_SOURCE entry points (open without a mode, flags not constant). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

PUBLIC int __open_2(const char *path, int flags)
{
	if (is_kvm(AT_FDCWD, path))
		return open_sim(path, flags);
	need_real();
	return real.open_2 ? real.open_2(path, flags) : real.open(path, flags);
}

PUBLIC int __open64_2(const char *path, int flags)
{
	if (is_kvm(AT_FDCWD, path))
		return open_sim(path, flags);
	need_real();
	return real.open64_2 ? real.open64_2(path, flags) : real.open64(path, flags);
}

PUBLIC int __openat_2(int dirfd, const char *path, int flags)
{
	if (is_kvm(dirfd, path))
		return open_sim(path, flags);
	need_real();
	return real.openat_2 ? real.openat_2(dirfd, path, flags) : real.openat(dirfd, path, flags);
}

PUBLIC int __openat64_2(int dirfd, const char *path, int flags)
{
	if (is_kvm(dirfd, path))
		return open_sim(path, flags);
	need_real();
	return real.openat64_2 ? real.openat64_2(dirfd, path, flags) :
				 real.openat64(dirfd, path, flags);
}

/* ---- ioctl ------------------------------------------------------------------------------ */

PUBLIC int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	struct cca_sim *s = owner(fd);
	if (!s) {
		need_real();
		return real.ioctl(fd, req, arg);
	}
	in_sim++;
	int r = sys->ops->ioctl(sys->ctx, fd, req, arg);
	in_sim--;
	if (trace) {
		struct kvm_run *run = req == KVM_RUN ? run_page(fd) : NULL;
		if (run)
			say("ioctl(%d, KVM_RUN) = %d, exit_reason %u", fd, r, run->exit_reason);
		else
			say("ioctl(%d, 0x%lx, %p) = %d", fd, req, arg, r);
	}
	if (req == KVM_CREATE_VM && r >= 0)
		vm_add(r);
	if (req == KVM_RUN && r == 0) {
		struct kvm_run *run = run_page(fd);
		if (run && run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			in_sim++;
			report_guest_failure(s);
			in_sim--;
		}
	}
	return ret_errno(r);
}

/* ---- mmap, munmap ----------------------------------------------------------------------- */

static void *mmap_sim(struct cca_sim *s, void *addr, size_t len, int prot, int flags, int fd,
		      uint64_t off)
{
	void *p = NULL;
	(void)s;
	in_sim++;
	int r = sys->ops->mmap(sys->ctx, len, prot, flags, fd, off, &p);
	in_sim--;
	if (r == 0 && (flags & MAP_FIXED) && p != addr)
		r = -EINVAL; /* the kvm_run page cannot move */
	if (trace)
		say("mmap(%p, %zu, %d, 0x%x, %d, %llu) = %d (%p)", addr, len, prot, flags, fd,
		    (unsigned long long)off, r, r ? NULL : p);
	if (r) {
		errno = -r;
		return MAP_FAILED;
	}
	map_add(fd, p);
	return p;
}

PUBLIC void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct cca_sim *s = owner(fd);
	if (s)
		return mmap_sim(s, addr, len, prot, flags, fd, (uint64_t)off);
	need_real();
	return real.mmap(addr, len, prot, flags, fd, off);
}

PUBLIC void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	struct cca_sim *s = owner(fd);
	if (s)
		return mmap_sim(s, addr, len, prot, flags, fd, (uint64_t)off);
	need_real();
	return real.mmap64(addr, len, prot, flags, fd, off);
}

PUBLIC int munmap(void *addr, size_t len)
{
	if (!in_sim && sim_get() && map_del(addr))
		return 0; /* a kvm_run page: it lives as long as its vCPU */
	need_real();
	return real.munmap(addr, len);
}

/* ---- fallocate -------------------------------------------------------------------------- */

static int fallocate_sim(int fd, int mode, uint64_t off, uint64_t len)
{
	in_sim++;
	int r = sys->ops->fallocate(sys->ctx, fd, mode, off, len);
	in_sim--;
	if (trace)
		say("fallocate(%d, 0x%x, 0x%llx, 0x%llx) = %d", fd, mode, (unsigned long long)off,
		    (unsigned long long)len, r);
	return ret_errno(r);
}

PUBLIC int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (owner(fd))
		return off < 0 || len <= 0 ? (errno = EINVAL, -1) :
					     fallocate_sim(fd, mode, (uint64_t)off, (uint64_t)len);
	need_real();
	return real.fallocate(fd, mode, off, len);
}

PUBLIC int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	if (owner(fd))
		return off < 0 || len <= 0 ? (errno = EINVAL, -1) :
					     fallocate_sim(fd, mode, (uint64_t)off, (uint64_t)len);
	need_real();
	return real.fallocate64(fd, mode, off, len);
}

/* ---- close ------------------------------------------------------------------------------ */

PUBLIC int close(int fd)
{
	struct cca_sim *s = owner(fd);
	if (!s) {
		need_real();
		return real.close(fd);
	}
	in_sim++;
	if (vm_del(fd))
		rim_write(s, fd); /* before the VM and its realm are gone */
	pthread_mutex_lock(&book_lock);
	if ((size_t)fd < nr_run_of_fd)
		run_of_fd[fd] = NULL;
	pthread_mutex_unlock(&book_lock);
	int r = sys->ops->close(sys->ctx, fd); /* releases the reserved fd number */
	in_sim--;
	if (trace)
		say("close(%d) = %d", fd, r);
	return ret_errno(r);
}
