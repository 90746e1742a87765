// SPDX-License-Identifier: MIT
/*
 * The shared VMM run loop: see sim-vmm.h.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim-vmm.h"

#define FAIL(v, ret, ...)                                                                  \
	do {                                                                               \
		snprintf((v)->err, sizeof((v)->err), __VA_ARGS__);                         \
		return (ret);                                                              \
	} while (0)

int sim_vmm_open(struct sim_vmm *v, const struct sim_vmm_cfg *cfg)
{
	struct cca_sim_options so;
	struct cca_host_options ho;
	char err[192] = "";
	int ret;

	memset(v, 0, sizeof(*v));
	v->cfg = *cfg;
	if (!v->cfg.ipa_bits)
		v->cfg.ipa_bits = 33;
	if (!v->cfg.ram_size)
		v->cfg.ram_size = 64ULL << 20;
	if (v->cfg.nr_cpus < 1 || v->cfg.nr_cpus > SIM_VMM_MAX_CPUS)
		FAIL(v, -EINVAL, "bad vCPU count %u", v->cfg.nr_cpus);
	v->out = calloc(v->cfg.nr_cpus, sizeof(*v->out));
	if (!v->out)
		return -ENOMEM;
	memset(&so, 0, sizeof(so));
	so.size = sizeof(so);
	so.revision = cfg->rev;
	so.guest = cfg->guest;
	ret = cca_sim_create(&so, &v->sim, err, sizeof(err));
	if (ret)
		FAIL(v, ret, "cca_sim_create: %s (%s)", cca_strerror(ret), err);
	memset(&ho, 0, sizeof(ho));
	ho.size = sizeof(ho);
	ho.flags = CCA_HOST_NO_ENV;
	ho.sim = v->sim;
	ret = cca_host_open(&ho, &v->host);
	if (ret)
		FAIL(v, ret, "cca_host_open: %s", cca_strerror(ret));
	return 0;
}

int sim_vmm_build(struct sim_vmm *v)
{
	static unsigned char image[3 * 4096] __attribute__((aligned(4096)));
	struct cca_realm_params rp;
	struct cca_gic_params gp = { .size = sizeof(gp), .dist_base = 0x08000000,
				     .redist_base = 0x080a0000 };
	struct cca_mem_region_params mp = { .size = sizeof(mp), .gpa = SIM_VMM_RAM_BASE,
					    .len = v->cfg.ram_size };
	int ret;

	cca_realm_params_init(&rp);
	rp.ipa_bits = v->cfg.ipa_bits;
	rp.nr_recs = v->cfg.nr_cpus;
	rp.num_bps = 2;
	rp.num_wps = 2;
	if (v->cfg.pmu) {
		rp.flags |= CCA_REALM_F_PMU;
		rp.pmu_counters = 4;
	}
	if ((ret = cca_realm_create(v->host, &rp, &v->realm)))
		FAIL(v, ret, "cca_realm_create: %s", cca_strerror(ret));
	if ((ret = cca_realm_gic_create(v->realm, &gp)))
		FAIL(v, ret, "cca_realm_gic_create: %s", cca_strerror(ret));
	for (unsigned int i = 0; i < v->cfg.nr_cpus; i++) {
		struct cca_rec_params p = { .size = sizeof(p), .index = i };
		if ((ret = cca_rec_create(v->realm, &p, &v->rec[i])))
			FAIL(v, ret, "cca_rec_create(%u): %s", i, cca_strerror(ret));
	}
	if ((ret = cca_mem_region_add(v->realm, &mp, NULL)))
		FAIL(v, ret, "cca_mem_region_add: %s", cca_strerror(ret));
	if (v->cfg.psci_user && (ret = cca_realm_set_psci_user(v->realm)))
		FAIL(v, ret, "cca_realm_set_psci_user: %s", cca_strerror(ret));
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (unsigned char)(i * 7);
	ret = cca_mem_populate(v->realm, SIM_VMM_RAM_BASE, image, sizeof(image),
			       CCA_POPULATE_MEASURE);
	if (ret)
		FAIL(v, ret, "cca_mem_populate: %s", cca_strerror(ret));
	const uint64_t x[8] = { SIM_VMM_RAM_BASE + 0x2000 };
	if ((ret = cca_rec_set_entry(v->rec[0], SIM_VMM_RAM_BASE, x)))
		FAIL(v, ret, "cca_rec_set_entry: %s", cca_strerror(ret));
	return 0;
}

/*
 * Make every vCPU leave KVM_RUN, as on KVM: immediate_exit for a thread about
 * to enter, then a signal for one blocked inside (KVM polls immediate_exit
 * only on entry; the simulator does the same).
 */
static void stop_all(struct sim_vmm *v)
{
	atomic_store(&v->stop, 1);
	for (unsigned int i = 0; i < v->cfg.nr_cpus; i++)
		__atomic_store_n(&cca_rec_kvm_run(v->rec[i])->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&v->kick_lock);
	for (unsigned int i = 0; i < v->nr_threads; i++)
		pthread_kill(v->threads[i], SIGUSR1);
	pthread_mutex_unlock(&v->kick_lock);
}

static void on_kick(int sig)
{
	(void)sig; /* KVM_RUN returns -EINTR: that is all a kick is for */
}

/* Answer one exit; > 0 ends this vCPU's loop. */
static int handle(struct sim_vmm *v, struct cca_rec *rec, const struct cca_exit *e)
{
	unsigned int i = cca_rec_index(rec);

	switch (e->kind) {
	case CCA_EXIT_MMIO:
		if (e->mmio.is_write && e->mmio.ipa == SIM_VMM_UART) {
			if (v->out_len[i] < SIM_VMM_OUT - 1)
				v->out[i][v->out_len[i]++] = (char)e->mmio.data;
			return 0;
		}
		return e->mmio.is_write ? 0 : cca_rec_set_mmio_data(rec, 0);
	case CCA_EXIT_PSCI:
		switch (e->psci.fn) {
		case CCA_PSCI_FN_CPU_ON:
			return cca_psci_cpu_on(rec, e, 0);
		case CCA_PSCI_FN_AFFINITY_INFO:
			return cca_psci_affinity_info(rec, e);
		case CCA_PSCI_FN_CPU_OFF:
			return cca_psci_cpu_off(rec);
		default:
			return 0;
		}
	case CCA_EXIT_HOST_CALL:
		atomic_fetch_add(&v->host_calls, 1);
		return cca_rec_set_reg(rec, CCA_KVM_REG_ARM64_X(0), 0);
	case CCA_EXIT_RIPAS_CHANGE:
		atomic_fetch_add(&v->ripas, 1);
		return cca_mem_accept_ripas_change(v->realm, e);
	case CCA_EXIT_SYSTEM_OFF:
	case CCA_EXIT_SHUTDOWN:
		atomic_store(&v->system_off, 1);
		stop_all(v);
		return 1;
	case CCA_EXIT_SYSTEM_RESET:
		atomic_store(&v->reset, 1);
		stop_all(v);
		return 1;
	case CCA_EXIT_INTR:
	case CCA_EXIT_RETRY:
		return atomic_load(&v->stop) ? 1 : 0;
	default:
		return -EIO;
	}
}

struct thread_arg {
	struct sim_vmm *v;
	unsigned int i;
};

static void *vcpu_thread(void *p)
{
	struct thread_arg *a = p;
	struct sim_vmm *v = a->v;
	struct cca_rec *rec = v->rec[a->i];
	struct cca_exit e;

	while (!atomic_load(&v->stop)) {
		int ret = cca_rec_run(rec, &e);
		if (ret == -CCA_E_PSCI_PENDING || ret == -CCA_E_PSCI_TARGET_PENDING) {
			/* Another thread owes the completion: wait a little, do not spin. */
			nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
			continue;
		}
		if (ret == 0)
			ret = handle(v, rec, &e);
		atomic_fetch_add(&v->exits, 1);
		if (ret < 0) {
			char line[160];
			cca_exit_format(&e, line, sizeof(line));
			if (!atomic_exchange(&v->fatal, 1)) {
				v->fatal_err = ret;
				snprintf(v->fatal_msg, sizeof(v->fatal_msg), "vCPU %u: %s after %s",
					 a->i, cca_strerror(ret), line);
			}
			stop_all(v);
			break;
		}
		if (ret > 0)
			break;
	}
	return NULL;
}

int sim_vmm_run(struct sim_vmm *v)
{
	unsigned int n = v->cfg.nr_cpus;
	pthread_t *t = calloc(n, sizeof(*t));
	struct thread_arg *a = calloc(n, sizeof(*a));
	struct sigaction sa = { .sa_handler = on_kick }; /* no SA_RESTART */
	unsigned int started = 0;
	int ret = 0;

	if (!t || !a) {
		free(t);
		free(a);
		return -ENOMEM;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_mutex_init(&v->kick_lock, NULL);
	v->threads = t;
	for (; started < n; started++) {
		a[started] = (struct thread_arg){ v, started };
		pthread_mutex_lock(&v->kick_lock);
		int err = pthread_create(&t[started], NULL, vcpu_thread, &a[started]);
		if (!err)
			v->nr_threads = started + 1;
		pthread_mutex_unlock(&v->kick_lock);
		if (err) {
			stop_all(v);
			ret = -EAGAIN;
			break;
		}
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	/* Joined: no thread may be signalled any more. */
	pthread_mutex_lock(&v->kick_lock);
	v->nr_threads = 0;
	v->threads = NULL;
	pthread_mutex_unlock(&v->kick_lock);
	pthread_mutex_destroy(&v->kick_lock);
	free(t);
	free(a);
	if (!ret && atomic_load(&v->fatal)) {
		snprintf(v->err, sizeof(v->err), "%s", v->fatal_msg);
		ret = v->fatal_err;
	}
	return ret;
}

const char *sim_vmm_console(struct sim_vmm *v, unsigned int i)
{
	v->out[i][v->out_len[i]] = '\0';
	return v->out[i];
}

void sim_vmm_close(struct sim_vmm *v)
{
	cca_realm_destroy(v->realm);
	cca_host_close(v->host);
	cca_sim_destroy(v->sim);
	free(v->out);
	v->out = NULL;
	v->realm = NULL;
	v->host = NULL;
	v->sim = NULL;
}
