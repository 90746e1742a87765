/* SPDX-License-Identifier: MIT */
/*
 * Guest programs for the simulated KVM+RMM backend: what the simulated vCPUs
 * of a realm "run". A guest program is a text script listing, per vCPU, the
 * operations a realm guest does that the host can see (MMIO to the
 * unprotected half, PSCI calls, RIPAS change requests, host calls) and the
 * checks it makes on what the host answered. The simulated RMM "enters" a
 * REC by calling sim_cpu_next(), which runs the vCPU's script until its next
 * host-visible event.
 *
 * The full reference is docs/guest-scripts.md; in short:
 *
 *   # comment                          (anywhere outside a string, to the end of the line)
 *   ipa-bits 40                        header: IPA width (32..52); MMIO needs it
 *   uart 0x09000000                    header: PL011 data register, for 'print'
 *   cpu 0:                             section: vCPU 0's program
 *   cpu *:                             section: every vCPU without its own section
 *
 * Statements (one per line, only inside a section):
 *   mmio write ADDR SIZE VALUE         SIZE 1|2|4|8, ADDR aligned, ADDR+SIZE <= 2^(ipa-bits-1);
 *   mmio read ADDR SIZE [expect VALUE]     the event's ipa is ADDR | 1 << (ipa-bits - 1)
 *   print "text"                       one 1-byte MMIO write per byte to the uart
 *                                      (escapes \n \r \t \0 \\ \" \xHH)
 *   psci cpu_on MPIDR ENTRY CONTEXT [expect RET]        SMC64 0xC4000003
 *   psci cpu_on32 MPIDR ENTRY CONTEXT [expect RET]      SMC32 0x84000003
 *   psci affinity_info MPIDR LEVEL [expect RET]         0xC4000004 (affinity_info32: 0x84000004)
 *   psci cpu_suspend STATE ENTRY CONTEXT [expect RET]   0xC4000001 (cpu_suspend32: 0x84000001)
 *   psci version [expect RET] / psci features FID [expect RET]
 *   psci cpu_off | psci system_off | psci system_reset  (do not return: the vCPU stops)
 *   poll affinity_info[32] MPIDR until on|off [max N]   AFFINITY_INFO level 0 until the
 *                                      answer is ON (0) / OFF (1); FAIL after N tries (1000)
 *   ripas ADDR SIZE ram|empty [expect accepted|rejected]  granule aligned, SIZE > 0; re-requests
 *                                      the rest when the host applied only part of the range
 *   hostcall IMM [xN=V ...] [expect xN == V ...]
 *   expect x0 == V | expect pc == V    check the state the vCPU was started with
 *   repeat N ... end                   (not nested; the body must contain an exiting statement)
 *   idle                               stop: SIM_EV_IDLE from now on (also at the section's end)
 *   fail "message"                     stop with SIM_EV_FAIL
 *   raw mmio write ADDR SIZE VALUE     hostile guest: ipa = ADDR as given, SIZE 0..255, no checks
 *   raw mmio read ADDR SIZE [expect V]
 *   raw ripas BASE TOP ram|empty|destroyed|dev|N [expect accepted|rejected]   no checks
 *   raw psci FID [A1 [A2 [A3]]] [expect RET]  any function ID
 *
 * Numbers are decimal or 0x hexadecimal, 64-bit; '-' is allowed where a value
 * is compared with or passed in a register (PSCI and host-call results,
 * hostcall registers, expect x0). PSCI results may also be written by name
 * (SUCCESS, DENIED, ALREADY_ON, ..., and ON/OFF/ON_PENDING for affinity_info).
 *
 * Threading: a parsed struct sim_guest is immutable and may be shared by any
 * number of struct sim_cpu, in any threads. A struct sim_cpu is used by one
 * thread at a time. sim_cpu_next() is pure computation: no allocation, no
 * system call, no output.
 */
#ifndef LIBCCA_SIM_GUEST_H
#define LIBCCA_SIM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/rmi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A guest program: parsed once, immutable, shareable between vCPUs and threads. */
struct sim_guest;

/* Largest script sim_guest_parse() accepts, in bytes. */
#define SIM_GUEST_MAX_TEXT (8U << 20)
/* Section numbers: cpu 0 .. SIM_GUEST_MAX_CPU. */
#define SIM_GUEST_MAX_CPU 65535U

/**
 * struct sim_guest_error - where and why a script was refused
 * @line: 1-based line
 * @col: 1-based column, in bytes (a tab counts 1); for a missing argument,
 *	the column just past the end of the line's last token
 * @msg: NUL-terminated explanation (without the position)
 */
struct sim_guest_error {
	unsigned line, col;
	char msg[160];
};

/**
 * sim_guest_parse() - parse a guest script
 * @text: the script (need not be NUL-terminated; NUL bytes are refused)
 * @len: its length in bytes, at most SIM_GUEST_MAX_TEXT
 * @out: receives the program (free with sim_guest_free())
 * @err: filled on -EINVAL; may be NULL
 *
 * Return: 0; -EINVAL for a malformed script (@err says where), or a NULL
 * @text with a non-zero @len or a NULL @out; -ENOMEM. Never crashes on any
 * input.
 */
int sim_guest_parse(const char *text, size_t len, struct sim_guest **out,
		    struct sim_guest_error *err);
void sim_guest_free(struct sim_guest *g);

/* The script's 'ipa-bits' (0 when absent). */
unsigned sim_guest_ipa_bits(const struct sim_guest *g);
/* 1 and *addr = the 'uart' address if the script names one, else 0. */
int sim_guest_uart(const struct sim_guest *g, uint64_t *addr);

/*
 * MPIDR of vCPU @index in KVM's default mapping:
 * Aff0 = index & 0xf, Aff1 = (index >> 4) & 0xff, Aff2 = (index >> 12) & 0xff.
 */
static inline uint64_t sim_guest_kvm_mpidr(unsigned index)
{
	return (uint64_t)(index & 0xfU) | (uint64_t)((index >> 4) & 0xffU) << 8 |
	       (uint64_t)((index >> 12) & 0xffU) << 16;
}

/**
 * struct sim_linux_opts - the built-in Linux-like SMP guest
 * @nr_cpus: vCPUs, 1..4096
 * @ipa_bits: IPA width, 32..52
 * @uart: PL011 data register, below 2^(ipa_bits - 1) (the guest adds the shared bit)
 * @ram_base: protected RAM, granule aligned
 * @ram_size: granule aligned, at least two granules; ram_base + ram_size <= 2^(ipa_bits - 1)
 * @secondary_entry: entry point cpu 0 passes in each CPU_ON (the context ID is
 *	the secondary's index)
 * @secondaries_stay_on: 0 (default): each secondary parks itself with CPU_OFF
 *	once it has printed its line, and cpu 0 waits for that (AFFINITY_INFO
 *	until OFF, up to 10^8 tries) before it starts the next one, so every
 *	line is out before SYSTEM_OFF whatever the host's scheduling. 1: the
 *	secondaries go idle instead and cpu 0 polls AFFINITY_INFO only until
 *	each is ON; the vCPUs then run concurrently and cpu 0 may power off
 *	before a secondary has printed.
 *
 * The program: cpu 0 prints a boot banner ("Booting Linux on physical CPU
 * 0x0\n", ...), then for each secondary i in turn: CPU_ON(sim_guest_kvm_mpidr(i),
 * secondary_entry, i) expecting SUCCESS and AFFINITY_INFO polling (see
 * @secondaries_stay_on); prints "smp: Brought up 1 node, N CPUs\n"; makes a
 * shared buffer (the top min(2 MiB, ram_size / 2) of RAM, granule aligned)
 * EMPTY, expecting the host to accept; makes a host call (imm 0,
 * x0 = 0x4c494e58 "LINX", x1 = nr_cpus, unchecked); prints
 * "reboot: Power down\n" and calls SYSTEM_OFF. Secondary i checks
 * pc == secondary_entry and x0 == i, prints "CPU<i>: Booted secondary
 * processor\n", then calls CPU_OFF (or goes idle).
 */
struct sim_linux_opts {
	unsigned nr_cpus;
	unsigned ipa_bits;
	uint64_t uart;
	uint64_t ram_base;
	uint64_t ram_size;
	uint64_t secondary_entry;
	int secondaries_stay_on;
};

/*
 * sim_guest_linux_text() - the built-in guest's script text (malloc'ed,
 * NUL-terminated; free() it). Return: 0, -EINVAL for bad options, -ENOMEM.
 */
int sim_guest_linux_text(const struct sim_linux_opts *o, char **text, size_t *len);
/* sim_guest_builtin_linux() - sim_guest_linux_text() parsed. Same returns. */
int sim_guest_builtin_linux(const struct sim_linux_opts *o, struct sim_guest **out);

/* ---- execution ------------------------------------------------------------ */

/* Execution state of one vCPU. */
struct sim_cpu;

/*
 * sim_cpu_new() - a vCPU running @g's section for @index ('cpu *' when it has
 * none; with neither it only ever reports SIM_EV_IDLE). It is not started.
 * @g must outlive the vCPU. Return: 0, -EINVAL (NULL argument), -ENOMEM.
 */
int sim_cpu_new(const struct sim_guest *g, unsigned index, struct sim_cpu **out);
void sim_cpu_free(struct sim_cpu *c);

/*
 * sim_cpu_start() - (re)start the vCPU at the top of its section, with @pc
 * and @x0 as the state 'expect pc' / 'expect x0' check. The RMM calls it at
 * REC creation for a runnable REC (pc and gprs[0] of RmiRecParams) and when
 * a CPU_ON for the vCPU succeeded (the caller's entry point and context ID).
 * Anything the vCPU was doing is forgotten.
 */
void sim_cpu_start(struct sim_cpu *c, uint64_t pc, uint64_t x0);

/*
 * 1 while the vCPU runs its program: sim_cpu_start() was called and it has
 * not executed psci cpu_off, system_off or system_reset since. A vCPU that
 * went idle or failed is still started.
 */
int sim_cpu_started(const struct sim_cpu *c);
unsigned sim_cpu_index(const struct sim_cpu *c);

enum sim_ev_kind {
	SIM_EV_MMIO, /* an access to the unprotected half (or anywhere: raw mmio) */
	SIM_EV_PSCI, /* an SMC with a PSCI function ID in gprs[0] */
	SIM_EV_HOST_CALL, /* RSI_HOST_CALL: imm and gprs[0..30] */
	SIM_EV_RIPAS, /* RSI_IPA_STATE_SET: [ripas_base, ripas_top) to ripas_value */
	SIM_EV_IDLE, /* nothing more to do: WFI forever (finished, never started, or off) */
	SIM_EV_FAIL, /* a check failed; msg says which script line and why */
};

/**
 * struct sim_event - the vCPU's next host-visible action
 * @kind: what happened
 * @line: script line of the operation (IDLE: the 'idle', the cpu_off /
 *	system_off / system_reset, or the 'cpu' header when the section ran to
 *	its end; 0 for a vCPU without a program or never started)
 * @ipa: MMIO: the address accessed, including the shared (top) IPA bit the
 *	guest sets itself (raw mmio: exactly the script's address)
 * @len: MMIO: access size (1, 2, 4, 8; raw mmio: 0..255)
 * @is_write: MMIO: 1 write, 0 read
 * @data: MMIO write: the value written
 * @gprs: PSCI: x0 = function ID, x1..x3 its arguments, the rest 0;
 *	HOST_CALL: x0..x30 (registers the script does not set are 0)
 * @imm: HOST_CALL immediate
 * @ripas_base: RIPAS: start of the range still to change
 * @ripas_top: RIPAS: end of the range (exclusive)
 * @ripas_value: RIPAS: CCA_RIPAS_RAM or CCA_RIPAS_EMPTY (raw ripas: any u8)
 * @msg: FAIL: "line N: ..." (NUL-terminated); empty otherwise
 */
struct sim_event {
	enum sim_ev_kind kind;
	unsigned line;
	uint64_t ipa;
	uint32_t len;
	int is_write;
	uint64_t data;
	uint64_t gprs[31];
	uint16_t imm;
	uint64_t ripas_base, ripas_top;
	uint8_t ripas_value;
	char msg[192];
};

/**
 * struct sim_response - what the host/RMM answered to the previous event
 * @gprs: the registers as the guest sees them on return: PSCI result in
 *	gprs[0] (for an SMC32 function only the low 32 bits count, as a signed
 *	32-bit value); HOST_CALL x0..x30; MMIO read value in gprs[0] (the low
 *	@len bytes count). Ignored after an MMIO write.
 * @ripas_accepted: RIPAS: 1 accepted, 0 rejected
 * @ripas_top: RIPAS: how far the change was applied (accepted only): the
 *	guest asks again for [ripas_top, top) while ripas_top < top
 */
struct sim_response {
	uint64_t gprs[31];
	int ripas_accepted;
	uint64_t ripas_top;
};

/**
 * sim_cpu_next() - run the vCPU to its next host-visible event
 * @c: the vCPU
 * @resp: the answer to the previous event; ignored on the first call after
 *	sim_cpu_start() and after events that need no answer; NULL reads as
 *	all zeros
 * @ev: receives the event (fully overwritten)
 *
 * IDLE and FAIL are final: every later call reports the same event until the
 * next sim_cpu_start(). A vCPU never started, or stopped by cpu_off,
 * system_off or system_reset, reports IDLE.
 *
 * Return: 0; -EINVAL for a NULL @c or @ev.
 */
int sim_cpu_next(struct sim_cpu *c, const struct sim_response *resp, struct sim_event *ev);

/* "MMIO", "PSCI", ... ("?" for other values). */
const char *sim_ev_kind_name(enum sim_ev_kind k);

#ifdef __cplusplus
}
#endif
#endif /* LIBCCA_SIM_GUEST_H */
