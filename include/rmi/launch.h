/* SPDX-License-Identifier: MIT */
/*
 * Launch plans: one deterministic description of a realm launch (kernel
 * Image, initrd, device tree, RAM, vCPUs, realm features) turned into a
 * layout, the ordered list of library operations that build the realm, and
 * the Realm Initial Measurement those operations produce. The launcher
 * executes the list (cca_launch_plan_apply()); cca-measure measures it
 * (cca_launch_plan_rim(), cca_launch_plan_measure()). Building a plan never
 * calls the kernel.
 *
 * Layout rules (all addresses guest-physical; see also ARCHITECTURE.md):
 *
 *  RAM      [ram_base, ram_base + ram_size): one private guest_memfd region
 *           (one memslot, slot 0, so v12's INIT_RIPAS stays predictable).
 *           ram_base and ram_size are 2 MiB multiples (Veraison's contract).
 *  kernel   loaded at ram_base (the 2 MiB-aligned base nearest the start of
 *           RAM, whatever header flag bit 3 says) + text_offset; that is
 *           also the entry PC. Populated: the file, rounded up to 4 KiB with
 *           a zeroed tail. Reserved: max(image_size, that) bytes; nothing
 *           else may be placed there. text_offset must be 4 KiB aligned; an
 *           image_size of 0 (pre-3.17 kernels) means text_offset 0x80000.
 *  DTB      at the 2 MiB-aligned address below the top of
 *           min(RAM, 256 MiB) that leaves room for the DTB region:
 *           0x8fe00000 for RAM at 0x80000000 of 256 MiB or more, else 2 MiB
 *           below the top of RAM (kvmtool's rule, shared/reference/peers.md
 *           §4). The region populated is a fixed 64 KiB (kvmtool's
 *           FDT_MAX_SIZE), or the DTB rounded up to 4 KiB if a given DTB is
 *           larger; the bytes after the DTB are zero.
 *  initrd   just below the DTB: its end (rounded up to 4 KiB) is the DTB
 *           address, its start 4 KiB aligned. Populated: the file rounded up
 *           to 4 KiB, zero tail. /chosen's linux,initrd-end is start + the
 *           real length.
 *  checks   kernel, initrd and DTB must not overlap and must lie in RAM;
 *           devices (GIC distributor 64 KiB, redistributors 128 KiB per
 *           vCPU, PL011 4 KiB) must not overlap each other or RAM; RAM and
 *           devices must lie in the lower (protected) half of the IPA space.
 *  IPA      ipa_bits 0: the smallest width whose lower half holds RAM and
 *           the devices, plus one bit for the shared alias, at least 33.
 *
 * Operations (cca_launch_plan_ops()), in this order: the GIC, the RECs 0..n-1,
 * the RAM region, the PSCI routing (user-space PSCI only), the POPULATE
 * steps in ascending GPA (kernel, initrd, DTB; every one measured, every
 * source page aligned and owned by the plan), REC 0's entry (PC = kernel
 * load address, x0 = DTB address, x1..x7 = 0).
 *
 * The generated device tree (libfdt sequential-write API, byte-identical
 * for identical parameters): root "linux,dummy-virt" with #address-cells
 * and #size-cells 2 and interrupt-parent the GIC; /chosen (bootargs,
 * stdout-path, linux,initrd-start/-end); /memory@RAM; /cpus with cpu@MPIDR
 * nodes (KVM's default MPIDR, "arm,arm-v8", enable-method "psci"); /psci
 * ("arm,psci-1.0", "arm,psci-0.2", method "smc", the SMC64 function IDs);
 * the GICv3; the architected timer (PPIs 13, 14, 11, 10); a PMU node when
 * the realm has one (PPI 7 = INTID 23); a 24 MHz fixed clock; the PL011
 * (SPI 1).
 */
#ifndef RMI_LAUNCH_H
#define RMI_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#include <rmi/abi.h>
#include <rmi/measure.h>
#include <rmi/realm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cca_launch_plan;

/* Defaults (a zero field of struct cca_launch_params takes these). */
#define CCA_LAUNCH_RAM_BASE 0x80000000ULL
#define CCA_LAUNCH_RAM_SIZE (256ULL << 20)
#define CCA_LAUNCH_UART_BASE 0x09000000ULL
#define CCA_LAUNCH_GIC_DIST_BASE 0x08000000ULL
#define CCA_LAUNCH_GIC_REDIST_BASE 0x080a0000ULL
/* Redistributors that would reach the UART move here (more than 123 vCPUs). */
#define CCA_LAUNCH_GIC_REDIST_HIGH 0x0a000000ULL
#define CCA_LAUNCH_DEBUG_DEFAULT 2
/* Sizes of the layout. */
#define CCA_LAUNCH_GIC_DIST_SIZE 0x10000ULL
#define CCA_LAUNCH_GIC_REDIST_STRIDE 0x20000ULL
#define CCA_LAUNCH_UART_SIZE 0x1000ULL
#define CCA_LAUNCH_DTB_REGION (64ULL << 10)
#define CCA_LAUNCH_DTB_LIMIT (256ULL << 20)
#define CCA_LAUNCH_IPA_BITS_MIN 33
/* The arm64 Image header. */
#define CCA_IMAGE_HEADER_SIZE 64U
#define CCA_IMAGE_MAGIC 0x644d5241U /* "ARM\x64" at offset 56 */
#define CCA_IMAGE_LEGACY_TEXT_OFFSET 0x80000ULL

/**
 * enum cca_launch_psci - where the guest's PSCI calls are handled
 * @CCA_LAUNCH_PSCI_DEFAULT: user space on revisions with manual PSCI
 *	completion (v12, v13), the kernel on the others
 * @CCA_LAUNCH_PSCI_USER: user space (cca_realm_set_psci_user())
 * @CCA_LAUNCH_PSCI_KERNEL: the kernel
 */
enum cca_launch_psci {
	CCA_LAUNCH_PSCI_DEFAULT = 0,
	CCA_LAUNCH_PSCI_USER = 1,
	CCA_LAUNCH_PSCI_KERNEL = 2,
};

/**
 * struct cca_launch_params - one launch, as the user describes it
 * @size: sizeof(struct cca_launch_params) as the caller was compiled
 *	(cca_launch_params_init() sets it): at least libcca 0.1's; members
 *	past @size are read as zero, and bytes past this library's own
 *	struct must be zero (-E2BIG)
 * @revision: kernel ABI revision (required): the measurement model, the
 *	default PSCI routing and whether a PMU is possible depend on it
 * @kernel: the arm64 Image bytes (required); copied by
 *	cca_launch_plan_create(), the caller may free them afterwards
 * @kernel_len: their length
 * @initrd: initrd bytes, or NULL; copied
 * @initrd_len: their length (0 with @initrd NULL)
 * @dtb: a device tree to use instead of the generated one, or NULL; copied
 *	and used as it is (it must describe this layout itself)
 * @dtb_len: its length; at least its header's totalsize
 * @cmdline: kernel command line for /chosen/bootargs, or NULL (empty);
 *	not allowed with @dtb
 * @ram_base: RAM base, 2 MiB aligned; 0: CCA_LAUNCH_RAM_BASE
 * @ram_size: RAM size, 2 MiB multiple; 0: CCA_LAUNCH_RAM_SIZE
 * @nr_vcpus: 1..CCA_MAX_RECS; 0: 1
 * @sve_vl: SVE vector length in bytes (16..256, multiple of 16); 0: no SVE
 * @pmu_counters: PMU event counters (1..31); 0: no PMU
 * @num_bps: breakpoints, 2..16; 0: CCA_LAUNCH_DEBUG_DEFAULT (always set,
 *	so that the measurement does not depend on the RMM's maximum)
 * @num_wps: watchpoints, 2..16; 0: CCA_LAUNCH_DEBUG_DEFAULT
 * @ipa_bits: IPA width including the shared bit, 32..52; 0: computed (see
 *	the layout rules)
 * @psci: enum cca_launch_psci
 * @rim_model: enum cca_rim_model; 0: cca_rim_model_for_rev(@revision)
 * @rim_initial: enum cca_rim_initial (RMM 2.0 model only)
 * @uart_base: PL011 base, 4 KiB aligned; 0: CCA_LAUNCH_UART_BASE
 * @gic_dist_base: GICv3 distributor, 64 KiB aligned; 0: CCA_LAUNCH_GIC_DIST_BASE
 * @gic_redist_base: redistributors (128 KiB per vCPU), 64 KiB aligned;
 *	0: CCA_LAUNCH_GIC_REDIST_BASE, or CCA_LAUNCH_GIC_REDIST_HIGH when the
 *	redistributors of @nr_vcpus vCPUs would overlap the UART there
 * @reserved: must be zero
 */
struct cca_launch_params {
	uint32_t size;
	enum cca_abi_rev revision;
	const void *kernel;
	size_t kernel_len;
	const void *initrd;
	size_t initrd_len;
	const void *dtb;
	size_t dtb_len;
	const char *cmdline;
	uint64_t ram_base;
	uint64_t ram_size;
	uint32_t nr_vcpus;
	uint32_t sve_vl;
	uint32_t pmu_counters;
	uint32_t num_bps;
	uint32_t num_wps;
	uint32_t ipa_bits;
	uint32_t psci;
	uint32_t rim_model;
	uint32_t rim_initial;
	uint32_t reserved0;
	uint64_t uart_base;
	uint64_t gic_dist_base;
	uint64_t gic_redist_base;
	uint64_t reserved[8];
};

/**
 * struct cca_image_info - what an arm64 Image header says
 * @text_offset: image load offset from a 2 MiB-aligned base (LE u64 at 8)
 * @image_size: effective image size including BSS (LE u64 at 16); the
 *	file size for a legacy header (image_size 0)
 * @flags: the header's flags (LE u64 at 24)
 * @file_size: the length of the Image bytes
 * @page_size: kernel page size from flags bits 1-2: 4096, 16384, 65536,
 *	or 0 (unspecified)
 * @legacy: 1 if image_size was 0 (text_offset taken as 0x80000)
 * @anywhere: flags bit 3: the 2 MiB-aligned base may be anywhere in RAM
 */
struct cca_image_info {
	uint64_t text_offset;
	uint64_t image_size;
	uint64_t flags;
	uint64_t file_size;
	uint32_t page_size;
	uint32_t legacy;
	uint32_t anywhere;
	uint32_t reserved;
};

/**
 * enum cca_launch_blob - what a POPULATE step loads
 */
enum cca_launch_blob {
	CCA_LAUNCH_KERNEL = 0,
	CCA_LAUNCH_INITRD = 1,
	CCA_LAUNCH_DTB = 2,
};

/**
 * struct cca_launch_layout - where everything goes
 * @ram_base: RAM base
 * @ram_size: RAM size
 * @ipa_bits: IPA width including the shared bit
 * @nr_vcpus: vCPUs
 * @kernel_base: the 2 MiB-aligned base the kernel is placed from (= RAM base)
 * @kernel_load: kernel_base + text_offset: where the Image starts, the entry PC
 * @kernel_size: bytes populated (the file rounded up to 4 KiB)
 * @kernel_reserved: bytes from @kernel_load nothing else may use
 *	(max(image_size, @kernel_size) rounded up to 4 KiB)
 * @initrd_addr: initrd start (4 KiB aligned); 0 without an initrd
 * @initrd_len: its real length (/chosen/linux,initrd-end - start)
 * @initrd_size: bytes populated (@initrd_len rounded up to 4 KiB)
 * @dtb_addr: DTB address (2 MiB aligned), x0 at entry
 * @dtb_len: the DTB's totalsize
 * @dtb_size: bytes populated (64 KiB, or more for a large given DTB)
 * @uart_base: PL011 base (CCA_LAUNCH_UART_SIZE bytes)
 * @gic_dist_base: distributor base (CCA_LAUNCH_GIC_DIST_SIZE bytes)
 * @gic_redist_base: redistributor base
 * @gic_redist_size: @nr_vcpus * CCA_LAUNCH_GIC_REDIST_STRIDE
 * @psci_user: 1 if PSCI goes to user space
 * @rim_model: enum cca_rim_model the RIM was computed with
 * @rim_initial: enum cca_rim_initial the RIM was computed with
 * @revision: the kernel revision
 * @image: the parsed Image header
 */
struct cca_launch_layout {
	uint64_t ram_base;
	uint64_t ram_size;
	uint32_t ipa_bits;
	uint32_t nr_vcpus;
	uint64_t kernel_base;
	uint64_t kernel_load;
	uint64_t kernel_size;
	uint64_t kernel_reserved;
	uint64_t initrd_addr;
	uint64_t initrd_len;
	uint64_t initrd_size;
	uint64_t dtb_addr;
	uint64_t dtb_len;
	uint64_t dtb_size;
	uint64_t uart_base;
	uint64_t gic_dist_base;
	uint64_t gic_redist_base;
	uint64_t gic_redist_size;
	uint32_t psci_user;
	uint32_t rim_model;
	uint32_t rim_initial;
	enum cca_abi_rev revision;
	struct cca_image_info image;
};

/**
 * enum cca_launch_op_kind - one library call of the launch
 * @CCA_LAUNCH_OP_GIC: cca_realm_gic_create() at @gpa (distributor) and
 *	@gpa2 (redistributors, @len2 bytes)
 * @CCA_LAUNCH_OP_REC: cca_rec_create() of vCPU @index
 * @CCA_LAUNCH_OP_REGION: cca_mem_region_add() of [@gpa, @gpa + @len), private
 * @CCA_LAUNCH_OP_PSCI_USER: cca_realm_set_psci_user()
 * @CCA_LAUNCH_OP_POPULATE: cca_mem_populate(@gpa, @src, @len, @flags);
 *	@index is the enum cca_launch_blob
 * @CCA_LAUNCH_OP_ENTRY: cca_rec_set_entry() of REC 0 with @pc and @x
 */
enum cca_launch_op_kind {
	CCA_LAUNCH_OP_GIC = 1,
	CCA_LAUNCH_OP_REC = 2,
	CCA_LAUNCH_OP_REGION = 3,
	CCA_LAUNCH_OP_PSCI_USER = 4,
	CCA_LAUNCH_OP_POPULATE = 5,
	CCA_LAUNCH_OP_ENTRY = 6,
};

/**
 * struct cca_launch_op - one step of the launch
 * @kind: enum cca_launch_op_kind
 * @flags: POPULATE: CCA_POPULATE_MEASURE (always set by this version)
 * @index: REC: the vCPU; POPULATE: enum cca_launch_blob; ENTRY: 0
 * @reserved0: zero
 * @gpa: GIC: distributor; REGION, POPULATE: start
 * @len: GIC: distributor size; REGION, POPULATE: bytes (4 KiB multiple)
 * @gpa2: GIC: redistributors
 * @len2: GIC: redistributor bytes
 * @src: POPULATE: @len bytes, 4 KiB aligned, owned by the plan
 * @pc: ENTRY: the PC
 * @x: ENTRY: x0..x7
 */
struct cca_launch_op {
	uint32_t kind;
	uint32_t flags;
	uint32_t index;
	uint32_t reserved0;
	uint64_t gpa;
	uint64_t len;
	uint64_t gpa2;
	uint64_t len2;
	const void *src;
	uint64_t pc;
	uint64_t x[8];
};

#if !defined(__cplusplus) && UINTPTR_MAX == 0xffffffffffffffffULL
_Static_assert(sizeof(struct cca_launch_params) == 208, "struct cca_launch_params size");
_Static_assert(__builtin_offsetof(struct cca_launch_params, ram_base) == 64, "ram_base");
_Static_assert(__builtin_offsetof(struct cca_launch_params, reserved) == 144, "reserved");
_Static_assert(sizeof(struct cca_launch_op) == 128, "struct cca_launch_op size");
_Static_assert(__builtin_offsetof(struct cca_launch_op, x) == 64, "x");
#endif

/**
 * cca_launch_params_init() - fill @p with the defaults
 * @p: the parameters
 *
 * Zeroes @p, sets @size and writes every default explicitly (RAM base and
 * size, 1 vCPU, 2 breakpoints and watchpoints, UART and GIC distributor
 * bases; the redistributor base stays 0, "placed by the rule"). The caller
 * then sets at least @revision and @kernel/@kernel_len.
 * Context: any thread.
 */
void cca_launch_params_init(struct cca_launch_params *p);

/**
 * cca_image_parse() - check an arm64 Image header (Linux booting.rst)
 * @image: the Image bytes
 * @len: their length
 * @info: receives what the header says; untouched on failure
 * @err: receives a one-line reason on failure (may be NULL)
 * @errlen: size of @err
 *
 * Return: 0; -EINVAL with a reason in @err: NULL @image or @info, shorter
 * than the 64-byte header, bad magic, big-endian kernel (flags bit 0),
 * image_size smaller than the file, text_offset not 4 KiB aligned or
 * absurd (>= 1 GiB).
 * Context: any thread.
 */
int cca_image_parse(const void *image, size_t len, struct cca_image_info *info, char *err,
		    size_t errlen);

/**
 * cca_launch_plan_create() - turn a launch description into a plan
 * @params: the launch (its buffers are copied)
 * @out: receives the plan; untouched on failure
 * @err: receives a one-line reason on failure, for the user (may be NULL)
 * @errlen: size of @err
 *
 * Parses the Image, lays out RAM and devices, copies the images into
 * page-aligned zero-padded buffers, generates the DTB (unless given), lists
 * the operations and computes the expected RIM. No kernel call.
 *
 * Return: 0; -EINVAL bad parameters or a bad Image or DTB (nonzero
 * reserved fields, @params->size below libcca 0.1's sizeof, unknown
 * revision, vCPU count, SVE length, counts, alignment of bases,
 * overlapping devices, @cmdline with @dtb); -E2BIG @params->size above
 * this library's sizeof with a nonzero byte past it (a member this older
 * library does not know is set); -ENOSPC
 * something does not fit (RAM too small for the kernel, initrd or DTB does
 * not fit, generated DTB larger than 64 KiB); -ERANGE @ipa_bits too small
 * for RAM and devices, or RAM beyond 52 bits; -EOPNOTSUPP a PMU on a
 * revision without one; -ENOMEM; -EIO if hashing fails.
 * Context: any thread.
 */
int cca_launch_plan_create(const struct cca_launch_params *params, struct cca_launch_plan **out,
			   char *err, size_t errlen);

/**
 * cca_launch_plan_destroy() - free a plan
 * @plan: a plan, or NULL (no-op)
 */
void cca_launch_plan_destroy(struct cca_launch_plan *plan);

/**
 * cca_launch_plan_layout() - the plan's layout
 * @plan: a plan
 *
 * Return: a pointer owned by @plan, valid until it is destroyed.
 * Context: any thread.
 */
const struct cca_launch_layout *cca_launch_plan_layout(const struct cca_launch_plan *plan);

/**
 * cca_launch_plan_ops() - the ordered operations
 * @plan: a plan
 * @ops: receives the array, owned by @plan (its @src buffers too)
 *
 * Return: the number of operations.
 * Context: any thread.
 */
size_t cca_launch_plan_ops(const struct cca_launch_plan *plan, const struct cca_launch_op **ops);

/**
 * cca_launch_plan_dtb() - the device tree the realm gets
 * @plan: a plan
 * @dtb: receives the DTB bytes (generated or given), owned by @plan
 * @len: receives its totalsize (the populated region is 64 KiB or more)
 *
 * Return: 0; -EINVAL NULL pointers.
 * Context: any thread.
 */
int cca_launch_plan_dtb(const struct cca_launch_plan *plan, const void **dtb, size_t *len);

/**
 * cca_launch_plan_rim() - the Realm Initial Measurement the plan produces
 * @plan: a plan
 * @out: receives the RIM, zero-padded to 64 bytes
 * @len: receives the digest length (32 for SHA-256)
 *
 * Computed at creation with the layout's measurement model: the realm
 * parameters, every populated granule in operation order, REC 0's entry,
 * and in the RMM 1.0 model the INIT_RIPAS of the RAM region with the same
 * (inferred) RTT geometry as the realm's shadow measurement.
 *
 * Return: 0; -EINVAL NULL pointers.
 * Context: any thread.
 */
int cca_launch_plan_rim(const struct cca_launch_plan *plan, uint8_t out[64], size_t *len);

/**
 * cca_launch_plan_measure() - replay the plan's measurement step by step
 * @plan: a plan
 * @rim: receives the measurement state (cca_rim_get() gives the RIM)
 * @on_step: called for every step, REALM_CREATE included (may be NULL)
 * @ctx: passed to @on_step
 *
 * The same computation as cca_launch_plan_rim(), for event logs
 * (cca-measure --log).
 *
 * Return: 0; -EINVAL NULL pointers; -ENOMEM; -EIO if hashing fails.
 * Context: any thread; @on_step runs on the calling thread.
 */
int cca_launch_plan_measure(const struct cca_launch_plan *plan, struct cca_rim *rim,
			    cca_rim_step_fn *on_step, void *ctx);

/**
 * cca_launch_realm_params() - the realm parameters the plan was made for
 * @plan: a plan
 * @out: receives them (cca_realm_params_init() first, then IPA width,
 *	vCPUs, SVE, PMU, breakpoints, watchpoints); its size is not read:
 *	libcca 0.1's sizeof bytes are written, and @out->size set to it
 *
 * Create the realm with these (cca_realm_create()) before
 * cca_launch_plan_apply().
 * Context: any thread.
 */
void cca_launch_realm_params(const struct cca_launch_plan *plan, struct cca_realm_params *out);

/**
 * cca_launch_plan_apply() - build the realm: perform every operation
 * @plan: a plan
 * @realm: a realm just created with cca_launch_realm_params() on a host of
 *	the plan's revision, nothing else done to it
 * @err: receives a one-line reason on failure, naming the step (may be NULL)
 * @errlen: size of @err
 *
 * Performs cca_launch_plan_ops() in order. Afterwards the RECs are
 * cca_rec_get(@realm, i) and the realm is CCA_REALM_DESCRIPTOR; the first
 * cca_rec_run() activates it. The RMM measures REC 0 (and, on v12,
 * INIT_RIPAS) at activation, so cca_realm_expected_rim() equals
 * cca_launch_plan_rim() from the first run on, as the token will.
 *
 * Return: 0; -EINVAL the realm's revision or parameters differ from the
 * plan's; otherwise the error of the failing call (see its documentation),
 * after which the realm may be CCA_REALM_DEAD: destroy it.
 * Context: serialised with other calls on @realm by the library.
 */
int cca_launch_plan_apply(const struct cca_launch_plan *plan, struct cca_realm *realm, char *err,
			  size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* RMI_LAUNCH_H */
