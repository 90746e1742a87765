// SPDX-License-Identifier: MIT
/*
 * The realm's device tree (see rmi/launch.h for its contents), written with
 * libfdt's sequential-write API: nodes and properties are emitted in one
 * fixed order, the strings block is built in that order, nothing depends
 * on the environment, so identical layouts give byte-identical DTBs (the
 * DTB is measured byte for byte, shared/reference/peers.md §4).
 *
 * The tree passes `dtc -I dtb -O dts` without warnings: every node with a
 * unit address has a matching reg and the other way round, the GICv3 is an
 * interrupt provider with #interrupt-cells and #address-cells (and an empty
 * ranges, so the cells are not "unnecessary"), and /cpus sets its own cells.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <rmi/rec.h>

#include "cca-fdt.h"

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2

/* GIC interrupt specifier: type, number, flags (GICv3 binding: no CPU mask). */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_LEVEL_HIGH 4

/* PSCI 0.2 SMC64 function IDs (the /psci properties pre-0.2 guests read). */
#define PSCI_CPU_SUSPEND 0xc4000001U
#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON 0xc4000003U
#define PSCI_MIGRATE 0xc4000005U

#define UART_SPI 1
#define PMU_PPI 7 /* INTID 23, libcca's default PMU interrupt */
#define UART_CLOCK_HZ 24000000U

/* Bail out of cca_fdt_build() on the first libfdt error. */
#define FDT(call)                           \
	do {                                \
		ret = (call);               \
		if (ret < 0)                \
			goto fail;          \
	} while (0)

static int prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
	fdt64_t v[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };
	return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_irq(void *fdt, uint32_t type, uint32_t nr, uint32_t flags)
{
	fdt32_t v[3] = { cpu_to_fdt32(type), cpu_to_fdt32(nr), cpu_to_fdt32(flags) };
	return fdt_property(fdt, "interrupts", v, sizeof(v));
}

int cca_fdt_build(const struct cca_launch_layout *l, const char *cmdline, int pmu, void *buf,
		  size_t size, char *err, size_t errlen)
{
	char name[64], uart_path[64];
	int ret;

	snprintf(uart_path, sizeof(uart_path), "/serial@%" PRIx64, l->uart_base);

	FDT(fdt_create(buf, (int)size));
	FDT(fdt_finish_reservemap(buf));
	FDT(fdt_begin_node(buf, ""));
	FDT(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	FDT(fdt_property_u32(buf, "#address-cells", 2));
	FDT(fdt_property_u32(buf, "#size-cells", 2));
	FDT(fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC));

	FDT(fdt_begin_node(buf, "chosen"));
	FDT(fdt_property_string(buf, "bootargs", cmdline ? cmdline : ""));
	FDT(fdt_property_string(buf, "stdout-path", uart_path));
	if (l->initrd_len) {
		FDT(fdt_property_u64(buf, "linux,initrd-start", l->initrd_addr));
		FDT(fdt_property_u64(buf, "linux,initrd-end", l->initrd_addr + l->initrd_len));
	}
	FDT(fdt_end_node(buf));

	snprintf(name, sizeof(name), "memory@%" PRIx64, l->ram_base);
	FDT(fdt_begin_node(buf, name));
	FDT(fdt_property_string(buf, "device_type", "memory"));
	FDT(prop_u64_pair(buf, "reg", l->ram_base, l->ram_size));
	FDT(fdt_end_node(buf));

	FDT(fdt_begin_node(buf, "cpus"));
	FDT(fdt_property_u32(buf, "#address-cells", 1));
	FDT(fdt_property_u32(buf, "#size-cells", 0));
	for (uint32_t i = 0; i < l->nr_vcpus; i++) {
		uint32_t mpidr = (uint32_t)cca_mpidr_of_index(i);
		snprintf(name, sizeof(name), "cpu@%" PRIx32, mpidr);
		FDT(fdt_begin_node(buf, name));
		FDT(fdt_property_string(buf, "device_type", "cpu"));
		FDT(fdt_property_string(buf, "compatible", "arm,arm-v8"));
		FDT(fdt_property_string(buf, "enable-method", "psci"));
		FDT(fdt_property_u32(buf, "reg", mpidr));
		FDT(fdt_end_node(buf));
	}
	FDT(fdt_end_node(buf));

	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	FDT(fdt_begin_node(buf, "psci"));
	FDT(fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat)));
	FDT(fdt_property_string(buf, "method", "smc"));
	FDT(fdt_property_u32(buf, "cpu_suspend", PSCI_CPU_SUSPEND));
	FDT(fdt_property_u32(buf, "cpu_off", PSCI_CPU_OFF));
	FDT(fdt_property_u32(buf, "cpu_on", PSCI_CPU_ON));
	FDT(fdt_property_u32(buf, "migrate", PSCI_MIGRATE));
	FDT(fdt_end_node(buf));

	snprintf(name, sizeof(name), "interrupt-controller@%" PRIx64, l->gic_dist_base);
	FDT(fdt_begin_node(buf, name));
	FDT(fdt_property_string(buf, "compatible", "arm,gic-v3"));
	FDT(fdt_property_u32(buf, "#interrupt-cells", 3));
	FDT(fdt_property(buf, "interrupt-controller", NULL, 0));
	/* dtc wants #address-cells on an interrupt provider; as QEMU's virt (room for an ITS). */
	FDT(fdt_property_u32(buf, "#address-cells", 2));
	FDT(fdt_property_u32(buf, "#size-cells", 2));
	FDT(fdt_property(buf, "ranges", NULL, 0));
	{
		fdt64_t reg[4] = { cpu_to_fdt64(l->gic_dist_base),
				   cpu_to_fdt64(CCA_LAUNCH_GIC_DIST_SIZE),
				   cpu_to_fdt64(l->gic_redist_base),
				   cpu_to_fdt64(l->gic_redist_size) };
		FDT(fdt_property(buf, "reg", reg, sizeof(reg)));
	}
	FDT(fdt_property_u32(buf, "phandle", PHANDLE_GIC));
	FDT(fdt_end_node(buf));

	FDT(fdt_begin_node(buf, "timer"));
	FDT(fdt_property_string(buf, "compatible", "arm,armv8-timer"));
	{
		static const uint32_t ppi[4] = { 13, 14, 11, 10 }; /* S, NS, virtual, hyp */
		fdt32_t irqs[12];
		for (int i = 0; i < 4; i++) {
			irqs[3 * i] = cpu_to_fdt32(GIC_PPI);
			irqs[3 * i + 1] = cpu_to_fdt32(ppi[i]);
			irqs[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
		}
		FDT(fdt_property(buf, "interrupts", irqs, sizeof(irqs)));
	}
	FDT(fdt_property(buf, "always-on", NULL, 0));
	FDT(fdt_end_node(buf));

	if (pmu) {
		FDT(fdt_begin_node(buf, "pmu"));
		FDT(fdt_property_string(buf, "compatible", "arm,armv8-pmuv3"));
		FDT(prop_irq(buf, GIC_PPI, PMU_PPI, IRQ_LEVEL_HIGH));
		FDT(fdt_end_node(buf));
	}

	FDT(fdt_begin_node(buf, "apb-pclk"));
	FDT(fdt_property_string(buf, "compatible", "fixed-clock"));
	FDT(fdt_property_u32(buf, "#clock-cells", 0));
	FDT(fdt_property_u32(buf, "clock-frequency", UART_CLOCK_HZ));
	FDT(fdt_property_string(buf, "clock-output-names", "clk24mhz"));
	FDT(fdt_property_u32(buf, "phandle", PHANDLE_CLK));
	FDT(fdt_end_node(buf));

	static const char uart_compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	FDT(fdt_begin_node(buf, uart_path + 1));
	FDT(fdt_property(buf, "compatible", uart_compat, sizeof(uart_compat)));
	FDT(prop_u64_pair(buf, "reg", l->uart_base, CCA_LAUNCH_UART_SIZE));
	FDT(prop_irq(buf, GIC_SPI, UART_SPI, IRQ_LEVEL_HIGH));
	{
		fdt32_t clocks[2] = { cpu_to_fdt32(PHANDLE_CLK), cpu_to_fdt32(PHANDLE_CLK) };
		FDT(fdt_property(buf, "clocks", clocks, sizeof(clocks)));
	}
	FDT(fdt_property(buf, "clock-names", clock_names, sizeof(clock_names)));
	FDT(fdt_end_node(buf));

	FDT(fdt_end_node(buf));
	FDT(fdt_finish(buf));
	return 0;
fail:
	if (ret == -FDT_ERR_NOSPACE) {
		snprintf(err, errlen, "the generated DTB does not fit in %zu KiB", size >> 10);
		return -ENOSPC;
	}
	snprintf(err, errlen, "DTB generation failed: %s", fdt_strerror(ret));
	return -EINVAL;
}
