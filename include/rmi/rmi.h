/* SPDX-License-Identifier: MIT */
/*
 * The RMM host interface (RMI, Arm DEN0137) as libcca needs it: command
 * function IDs, status codes, parameter blocks, the REC run page, exit
 * reasons, RIPAS values, FEATURES register fields, and the PSCI function IDs
 * and return codes a realm's PSCI exits carry.
 *
 * libcca never issues SMCs; KVM does. These definitions serve the exit
 * decoder (cca_exit_decode_rec_exit()), the simulated RMM and the RIM
 * predictor. v1.0 is the baseline; "V2" names mark RMM 2.0 (draft) values.
 * Source: shared/reference/rmi-spec.md.
 */
#ifndef RMI_RMI_H
#define RMI_RMI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- calling convention (§1) ------------------------------------------ */
#define CCA_RMI_FID(n) (0xC4000000U | (n))
#define CCA_RMI_ABI_VERSION(major, minor) (((uint32_t)(major) << 16) | (minor))
#define CCA_RMI_GRANULE_SIZE 4096U

/* ---- command function IDs, v1.0 (§2) ----------------------------------- */
#define CCA_RMI_VERSION 0xC4000150U
#define CCA_RMI_GRANULE_DELEGATE 0xC4000151U
#define CCA_RMI_GRANULE_UNDELEGATE 0xC4000152U
#define CCA_RMI_DATA_CREATE 0xC4000153U
#define CCA_RMI_DATA_CREATE_UNKNOWN 0xC4000154U
#define CCA_RMI_DATA_DESTROY 0xC4000155U
#define CCA_RMI_REALM_ACTIVATE 0xC4000157U
#define CCA_RMI_REALM_CREATE 0xC4000158U
#define CCA_RMI_REALM_DESTROY 0xC4000159U
#define CCA_RMI_REC_CREATE 0xC400015AU
#define CCA_RMI_REC_DESTROY 0xC400015BU
#define CCA_RMI_REC_ENTER 0xC400015CU
#define CCA_RMI_RTT_CREATE 0xC400015DU
#define CCA_RMI_RTT_DESTROY 0xC400015EU
#define CCA_RMI_RTT_MAP_UNPROTECTED 0xC400015FU
#define CCA_RMI_RTT_READ_ENTRY 0xC4000161U
#define CCA_RMI_RTT_UNMAP_UNPROTECTED 0xC4000162U
#define CCA_RMI_PSCI_COMPLETE 0xC4000164U
#define CCA_RMI_FEATURES 0xC4000165U
#define CCA_RMI_RTT_FOLD 0xC4000166U
#define CCA_RMI_REC_AUX_COUNT 0xC4000167U
#define CCA_RMI_RTT_INIT_RIPAS 0xC4000168U
#define CCA_RMI_RTT_SET_RIPAS 0xC4000169U

/* v2.0 (draft): renamed or new commands. */
#define CCA_RMI_V2_RTT_DATA_MAP_INIT CCA_RMI_DATA_CREATE
#define CCA_RMI_V2_RMM_CONFIG_SET 0xC400016EU
#define CCA_RMI_V2_GRANULE_TRACKING_GET 0xC40001E1U
#define CCA_RMI_V2_GRANULE_RANGE_DELEGATE 0xC40001F1U
#define CCA_RMI_V2_GRANULE_RANGE_UNDELEGATE 0xC40001F2U
#define CCA_RMI_V2_GPT_L1_CREATE 0xC40001F3U
#define CCA_RMI_V2_RTT_DATA_MAP 0xC40001F5U
#define CCA_RMI_V2_RTT_DATA_UNMAP 0xC40001F6U
#define CCA_RMI_V2_RTT_MAP_UNPROTECTED 0xC40001FBU
#define CCA_RMI_V2_RTT_UNMAP_UNPROTECTED 0xC40001FCU
#define CCA_RMI_V2_REALM_TERMINATE 0xC4000201U
#define CCA_RMI_V2_RMM_ACTIVATE 0xC4000202U
#define CCA_RMI_V2_OP_CONTINUE 0xC4000203U
#define CCA_RMI_V2_OP_MEM_DONATE 0xC4000208U
#define CCA_RMI_V2_OP_MEM_RECLAIM 0xC4000209U
#define CCA_RMI_V2_OP_CANCEL 0xC400020AU

/* ---- status codes (§3): X0 = status | index << 8 ----------------------- */
enum cca_rmi_status {
	CCA_RMI_SUCCESS = 0,
	CCA_RMI_ERROR_INPUT = 1,
	CCA_RMI_ERROR_REALM = 2,
	CCA_RMI_ERROR_REC = 3,
	CCA_RMI_ERROR_RTT = 4,
	/* v2.0 (draft) */
	CCA_RMI_ERROR_NOT_SUPPORTED = 5,
	CCA_RMI_ERROR_DEVICE = 6,
	CCA_RMI_ERROR_RTT_AUX = 7,
	CCA_RMI_ERROR_PSMMU_ST = 8,
	CCA_RMI_ERROR_DPT = 9,
	CCA_RMI_BUSY = 10,
	CCA_RMI_ERROR_GLOBAL = 11,
	CCA_RMI_ERROR_TRACKING = 12,
	CCA_RMI_INCOMPLETE = 13,
	CCA_RMI_BLOCKED = 14,
	CCA_RMI_ERROR_GPT = 15,
	CCA_RMI_ERROR_GRANULE = 16,
};
#define CCA_RMI_RETURN(status, index) ((uint64_t)(status) | ((uint64_t)(index) << 8))
#define CCA_RMI_RETURN_STATUS(x0) ((unsigned)((x0) & 0xff))
#define CCA_RMI_RETURN_INDEX(x0) ((unsigned)(((x0) >> 8) & 0xff))
/* ERROR_REALM index values for REC_ENTER. */
#define CCA_RMI_REALM_INDEX_NOT_ACTIVE 0
#define CCA_RMI_REALM_INDEX_SYSTEM_OFF 1
/* INCOMPLETE (v2.0): memory request in bits 9:8, cancellable in bit 10. */
#define CCA_RMI_INCOMPLETE_MEMREQ(x0) ((unsigned)(((x0) >> 8) & 0x3))
#define CCA_RMI_INCOMPLETE_CAN_CANCEL(x0) ((unsigned)(((x0) >> 10) & 0x1))

/* ---- REC exit reasons (§5); 8/9 differ between 2.0-bet1 and bet2 ------- */
enum cca_rmi_exit_reason {
	CCA_RMI_EXIT_SYNC = 0,
	CCA_RMI_EXIT_IRQ = 1,
	CCA_RMI_EXIT_FIQ = 2,
	CCA_RMI_EXIT_PSCI = 3,
	CCA_RMI_EXIT_RIPAS_CHANGE = 4,
	CCA_RMI_EXIT_HOST_CALL = 5,
	CCA_RMI_EXIT_SERROR = 6,
	CCA_RMI_EXIT_S2AP_CHANGE = 7,     /* v2.0 */
	CCA_RMI_EXIT_VSMMU_COMMAND = 0xA, /* v2.0 */
};

/* ---- RIPAS (§11) -------------------------------------------------------- */
enum cca_rmi_ripas {
	CCA_RIPAS_EMPTY = 0,
	CCA_RIPAS_RAM = 1,
	CCA_RIPAS_DESTROYED = 2,
	CCA_RIPAS_DEV = 3, /* v2.0 */
};

/* RTT entry states (v1.0). */
enum cca_rmi_rtt_state {
	CCA_RTT_UNASSIGNED = 0,
	CCA_RTT_ASSIGNED = 1,
	CCA_RTT_TABLE = 2,
};

/* ---- flags -------------------------------------------------------------- */
#define CCA_RMI_REALM_FLAG_LPA2 (1ULL << 0)
#define CCA_RMI_REALM_FLAG_SVE (1ULL << 1)
#define CCA_RMI_REALM_FLAG_PMU (1ULL << 2)
#define CCA_RMI_REALM_FLAG_DA (1ULL << 3) /* v2.0-bet2, unconfirmed */
#define CCA_RMI_REC_PARAMS_FLAG_RUNNABLE (1ULL << 0)
#define CCA_RMI_MEASURE_CONTENT (1ULL << 0)
#define CCA_RMI_HASH_SHA_256 0
#define CCA_RMI_HASH_SHA_512 1
#define CCA_RMI_HASH_SHA_384 2 /* v2.0 */

/* RmiRecEnter.flags (§6.1). */
#define CCA_REC_ENTRY_FLAG_EMUL_MMIO (1ULL << 0)
#define CCA_REC_ENTRY_FLAG_INJECT_SEA (1ULL << 1)
#define CCA_REC_ENTRY_FLAG_TRAP_WFI (1ULL << 2)
#define CCA_REC_ENTRY_FLAG_TRAP_WFE (1ULL << 3)
#define CCA_REC_ENTRY_FLAG_RIPAS_RESPONSE (1ULL << 4)
#define CCA_REC_ENTRY_FLAG_S2AP_RESPONSE (1ULL << 5)    /* v2.0 */
#define CCA_REC_ENTRY_FLAG_DEV_MEM_RESPONSE (1ULL << 6) /* v2.0 */
#define CCA_REC_ENTRY_FLAG_FORCE_P0 (1ULL << 7)         /* v2.0 */

/* ---- RMI_FEATURES register 0 (§7.1) ------------------------------------- */
#define CCA_RMI_FEATURE_FIELD(reg, shift, width) (((reg) >> (shift)) & ((1ULL << (width)) - 1))
#define CCA_RMI_FEAT0_S2SZ(r) CCA_RMI_FEATURE_FIELD(r, 0, 8)
#define CCA_RMI_FEAT0_LPA2(r) CCA_RMI_FEATURE_FIELD(r, 8, 1)
#define CCA_RMI_FEAT0_SVE_EN(r) CCA_RMI_FEATURE_FIELD(r, 9, 1)
#define CCA_RMI_FEAT0_SVE_VL(r) CCA_RMI_FEATURE_FIELD(r, 10, 4)
#define CCA_RMI_FEAT0_NUM_BPS(r) CCA_RMI_FEATURE_FIELD(r, 14, 6)
#define CCA_RMI_FEAT0_NUM_WPS(r) CCA_RMI_FEATURE_FIELD(r, 20, 6)
#define CCA_RMI_FEAT0_PMU_EN(r) CCA_RMI_FEATURE_FIELD(r, 26, 1)
#define CCA_RMI_FEAT0_PMU_NUM_CTRS(r) CCA_RMI_FEATURE_FIELD(r, 27, 5)
#define CCA_RMI_FEAT0_HASH_SHA_256(r) CCA_RMI_FEATURE_FIELD(r, 32, 1)
#define CCA_RMI_FEAT0_HASH_SHA_512(r) CCA_RMI_FEATURE_FIELD(r, 33, 1)
#define CCA_RMI_FEAT0_GICV3_NUM_LRS(r) CCA_RMI_FEATURE_FIELD(r, 34, 4)
#define CCA_RMI_FEAT0_MAX_RECS_ORDER(r) CCA_RMI_FEATURE_FIELD(r, 38, 4)
/* Register 1 (v2.0 draft). */
#define CCA_RMI_FEAT1_GRAN_4K(r) CCA_RMI_FEATURE_FIELD(r, 0, 1)
#define CCA_RMI_FEAT1_GRAN_16K(r) CCA_RMI_FEATURE_FIELD(r, 1, 1)
#define CCA_RMI_FEAT1_GRAN_64K(r) CCA_RMI_FEATURE_FIELD(r, 2, 1)
#define CCA_RMI_FEAT1_HASH_SHA_256(r) CCA_RMI_FEATURE_FIELD(r, 3, 1)
#define CCA_RMI_FEAT1_HASH_SHA_384(r) CCA_RMI_FEATURE_FIELD(r, 4, 1)
#define CCA_RMI_FEAT1_HASH_SHA_512(r) CCA_RMI_FEATURE_FIELD(r, 5, 1)
#define CCA_RMI_FEAT1_MAX_RECS_ORDER(r) CCA_RMI_FEATURE_FIELD(r, 6, 4)
#define CCA_RMI_FEAT1_L0GPTSZ(r) CCA_RMI_FEATURE_FIELD(r, 10, 4)
#define CCA_RMI_FEAT1_PPS(r) CCA_RMI_FEATURE_FIELD(r, 14, 3)

/* ---- RmiRealmParams (§8.1), one 4 KiB granule --------------------------- */
/**
 * struct cca_rmi_realm_params - RmiRealmParams (v1.0 layout; v2.0 notes inline)
 *
 * Each scalar sits in an 8-byte slot, value in the low bytes.
 */
struct cca_rmi_realm_params {
	uint64_t flags;        /* 0x000: v2.0 flags0 */
	uint64_t s2sz;         /* 0x008: u8 */
	uint64_t sve_vl;       /* 0x010: u8, VQ - 1 */
	uint64_t num_bps;      /* 0x018: count - 1 */
	uint64_t num_wps;      /* 0x020: count - 1 */
	uint64_t pmu_num_ctrs; /* 0x028: u8 */
	uint64_t hash_algo;    /* 0x030: u8 */
	uint64_t num_aux_planes; /* 0x038: v2.0 only */
	uint8_t pad0[0x400 - 0x040];
	uint8_t rpv[64];       /* 0x400 */
	uint64_t ats_plane;    /* 0x440: v2.0 only */
	uint8_t pad1[0x800 - 0x448];
	uint64_t vmid;         /* 0x800: u16; removed in v2.0 */
	uint64_t rtt_base;     /* 0x808 */
	int64_t rtt_level_start; /* 0x810 */
	uint64_t rtt_num_start;  /* 0x818: u32 */
	uint64_t flags1;       /* 0x820: v2.0 only */
	uint8_t pad2[0x1000 - 0x828];
};

/* ---- RmiRecParams (§8.2), one 4 KiB granule ----------------------------- */
struct cca_rmi_rec_params {
	uint64_t flags;        /* 0x000 */
	uint8_t pad0[0x100 - 0x008];
	uint64_t mpidr;        /* 0x100 */
	uint8_t pad1[0x200 - 0x108];
	uint64_t pc;           /* 0x200 */
	uint8_t pad2[0x300 - 0x208];
	uint64_t gprs[8];      /* 0x300 */
	uint8_t pad3[0x800 - 0x340];
	uint64_t num_aux;      /* 0x800: v1.0 only */
	uint64_t aux[16];      /* 0x808: v1.0 only */
	uint8_t pad4[0x1000 - 0x888];
};

/* ---- RmiRecRun (§6): RmiRecEnter + RmiRecExit, one 4 KiB page ------------ */
struct cca_rmi_rec_enter {
	uint64_t flags;        /* 0x000 */
	uint8_t pad0[0x200 - 0x008];
	uint64_t gprs[31];     /* 0x200 */
	uint8_t pad1[0x300 - 0x2F8];
	uint64_t gicv3_hcr;    /* 0x300: v1.0 only */
	uint64_t gicv3_lrs[16]; /* 0x308: v1.0 only */
	uint8_t pad2[0x800 - 0x388];
};

struct cca_rmi_rec_exit {
	uint8_t exit_reason;   /* 0x000 */
	uint8_t pad0[0x100 - 0x001];
	uint64_t esr;          /* 0x100 */
	uint64_t far;          /* 0x108 */
	uint64_t hpfar;        /* 0x110 */
	uint64_t rtt_tree;     /* 0x118: v2.0 */
	uint8_t pad1[0x200 - 0x120];
	uint64_t gprs[31];     /* 0x200 */
	uint8_t pad2[0x300 - 0x2F8];
	uint64_t gicv3_hcr;    /* 0x300: v1.0 only */
	uint64_t gicv3_lrs[16]; /* 0x308 */
	uint64_t gicv3_misr;   /* 0x388 */
	uint64_t gicv3_vmcr;   /* 0x390 */
	uint8_t pad3[0x400 - 0x398];
	uint64_t cntp_ctl;     /* 0x400 */
	uint64_t cntp_cval;    /* 0x408 */
	uint64_t cntv_ctl;     /* 0x410 */
	uint64_t cntv_cval;    /* 0x418 */
	uint8_t pad4[0x500 - 0x420];
	uint64_t ripas_base;   /* 0x500 */
	uint64_t ripas_top;    /* 0x508 */
	uint8_t ripas_value;   /* 0x510 */
	uint8_t pad5[0x520 - 0x511];
	uint64_t s2ap_base;    /* 0x520: v2.0 */
	uint64_t s2ap_top;     /* 0x528 */
	uint64_t vdev_id_1;    /* 0x530 */
	uint64_t vdev_id_2;    /* 0x538 */
	uint64_t dev_mem_base; /* 0x540 */
	uint64_t dev_mem_top;  /* 0x548 */
	uint64_t dev_mem_pa;   /* 0x550 */
	uint8_t pad6[0x600 - 0x558];
	uint16_t imm;          /* 0x600 */
	uint8_t pad7[0x608 - 0x602];
	uint64_t plane;        /* 0x608: v2.0 */
	uint8_t pad8[0x700 - 0x610];
	uint8_t pmu_ovf_status; /* 0x700 */
	uint8_t pad9[0x710 - 0x701];
	uint64_t vsmmu;        /* 0x710: v2.0 */
	uint8_t pad10[0x800 - 0x718];
};

struct cca_rmi_rec_run {
	struct cca_rmi_rec_enter enter; /* 0x000 */
	struct cca_rmi_rec_exit exit;   /* 0x800 */
};

/* ---- PSCI (§11.1, §11.2) ------------------------------------------------- */
#define CCA_PSCI_VERSION 0x84000000U
#define CCA_PSCI_CPU_SUSPEND_32 0x84000001U
#define CCA_PSCI_CPU_SUSPEND_64 0xC4000001U
#define CCA_PSCI_CPU_OFF 0x84000002U
#define CCA_PSCI_CPU_ON_32 0x84000003U
#define CCA_PSCI_CPU_ON_64 0xC4000003U
#define CCA_PSCI_AFFINITY_INFO_32 0x84000004U
#define CCA_PSCI_AFFINITY_INFO_64 0xC4000004U
#define CCA_PSCI_SYSTEM_OFF 0x84000008U
#define CCA_PSCI_SYSTEM_RESET 0x84000009U
#define CCA_PSCI_FEATURES 0x8400000AU
/* The SMCCC ranges KVM's filter must forward for user-space PSCI. */
#define CCA_PSCI_RANGE_32_BASE 0x84000000U
#define CCA_PSCI_RANGE_64_BASE 0xC4000000U
#define CCA_PSCI_RANGE_LEN 0x20U

#define CCA_PSCI_RET_SUCCESS 0
#define CCA_PSCI_RET_NOT_SUPPORTED (-1)
#define CCA_PSCI_RET_INVALID_PARAMETERS (-2)
#define CCA_PSCI_RET_DENIED (-3)
#define CCA_PSCI_RET_ALREADY_ON (-4)
#define CCA_PSCI_RET_ON_PENDING (-5)
#define CCA_PSCI_RET_INTERNAL_FAILURE (-6)
#define CCA_PSCI_RET_NOT_PRESENT (-7)
#define CCA_PSCI_RET_DISABLED (-8)
#define CCA_PSCI_RET_INVALID_ADDRESS (-9)
#define CCA_PSCI_AFFINITY_ON 0
#define CCA_PSCI_AFFINITY_OFF 1
#define CCA_PSCI_AFFINITY_ON_PENDING 2

/* ---- layout checks --------------------------------------------------------- */
#ifndef __cplusplus
#define CCA_RMI_OFF(t, f, o) _Static_assert(__builtin_offsetof(struct t, f) == (o), #t "." #f)
_Static_assert(sizeof(struct cca_rmi_realm_params) == 0x1000, "RmiRealmParams size");
CCA_RMI_OFF(cca_rmi_realm_params, flags, 0x000);
CCA_RMI_OFF(cca_rmi_realm_params, s2sz, 0x008);
CCA_RMI_OFF(cca_rmi_realm_params, sve_vl, 0x010);
CCA_RMI_OFF(cca_rmi_realm_params, num_bps, 0x018);
CCA_RMI_OFF(cca_rmi_realm_params, num_wps, 0x020);
CCA_RMI_OFF(cca_rmi_realm_params, pmu_num_ctrs, 0x028);
CCA_RMI_OFF(cca_rmi_realm_params, hash_algo, 0x030);
CCA_RMI_OFF(cca_rmi_realm_params, num_aux_planes, 0x038);
CCA_RMI_OFF(cca_rmi_realm_params, rpv, 0x400);
CCA_RMI_OFF(cca_rmi_realm_params, ats_plane, 0x440);
CCA_RMI_OFF(cca_rmi_realm_params, vmid, 0x800);
CCA_RMI_OFF(cca_rmi_realm_params, rtt_base, 0x808);
CCA_RMI_OFF(cca_rmi_realm_params, rtt_level_start, 0x810);
CCA_RMI_OFF(cca_rmi_realm_params, rtt_num_start, 0x818);
CCA_RMI_OFF(cca_rmi_realm_params, flags1, 0x820);
_Static_assert(sizeof(struct cca_rmi_rec_params) == 0x1000, "RmiRecParams size");
CCA_RMI_OFF(cca_rmi_rec_params, flags, 0x000);
CCA_RMI_OFF(cca_rmi_rec_params, mpidr, 0x100);
CCA_RMI_OFF(cca_rmi_rec_params, pc, 0x200);
CCA_RMI_OFF(cca_rmi_rec_params, gprs, 0x300);
CCA_RMI_OFF(cca_rmi_rec_params, num_aux, 0x800);
CCA_RMI_OFF(cca_rmi_rec_params, aux, 0x808);
_Static_assert(sizeof(struct cca_rmi_rec_enter) == 0x800, "RmiRecEnter size");
CCA_RMI_OFF(cca_rmi_rec_enter, flags, 0x000);
CCA_RMI_OFF(cca_rmi_rec_enter, gprs, 0x200);
CCA_RMI_OFF(cca_rmi_rec_enter, gicv3_hcr, 0x300);
CCA_RMI_OFF(cca_rmi_rec_enter, gicv3_lrs, 0x308);
_Static_assert(sizeof(struct cca_rmi_rec_exit) == 0x800, "RmiRecExit size");
CCA_RMI_OFF(cca_rmi_rec_exit, exit_reason, 0x000);
CCA_RMI_OFF(cca_rmi_rec_exit, esr, 0x100);
CCA_RMI_OFF(cca_rmi_rec_exit, far, 0x108);
CCA_RMI_OFF(cca_rmi_rec_exit, hpfar, 0x110);
CCA_RMI_OFF(cca_rmi_rec_exit, rtt_tree, 0x118);
CCA_RMI_OFF(cca_rmi_rec_exit, gprs, 0x200);
CCA_RMI_OFF(cca_rmi_rec_exit, gicv3_hcr, 0x300);
CCA_RMI_OFF(cca_rmi_rec_exit, gicv3_lrs, 0x308);
CCA_RMI_OFF(cca_rmi_rec_exit, gicv3_misr, 0x388);
CCA_RMI_OFF(cca_rmi_rec_exit, gicv3_vmcr, 0x390);
CCA_RMI_OFF(cca_rmi_rec_exit, cntp_ctl, 0x400);
CCA_RMI_OFF(cca_rmi_rec_exit, cntp_cval, 0x408);
CCA_RMI_OFF(cca_rmi_rec_exit, cntv_ctl, 0x410);
CCA_RMI_OFF(cca_rmi_rec_exit, cntv_cval, 0x418);
CCA_RMI_OFF(cca_rmi_rec_exit, ripas_base, 0x500);
CCA_RMI_OFF(cca_rmi_rec_exit, ripas_top, 0x508);
CCA_RMI_OFF(cca_rmi_rec_exit, ripas_value, 0x510);
CCA_RMI_OFF(cca_rmi_rec_exit, s2ap_base, 0x520);
CCA_RMI_OFF(cca_rmi_rec_exit, dev_mem_pa, 0x550);
CCA_RMI_OFF(cca_rmi_rec_exit, imm, 0x600);
CCA_RMI_OFF(cca_rmi_rec_exit, plane, 0x608);
CCA_RMI_OFF(cca_rmi_rec_exit, pmu_ovf_status, 0x700);
CCA_RMI_OFF(cca_rmi_rec_exit, vsmmu, 0x710);
_Static_assert(sizeof(struct cca_rmi_rec_run) == 0x1000, "RmiRecRun size");
CCA_RMI_OFF(cca_rmi_rec_run, exit, 0x800);
#undef CCA_RMI_OFF
#endif

#ifdef __cplusplus
}
#endif
#endif /* RMI_RMI_H */
