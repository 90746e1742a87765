/* SPDX-License-Identifier: MIT */
/*
 * libcca: run Arm CCA realms on Linux KVM.
 *
 * Umbrella header: includes every public libcca header. Link with
 * `pkg-config --libs libcca`. See cca(7) and ARCHITECTURE.md.
 */
#ifndef RMI_CCA_H
#define RMI_CCA_H

#include <rmi/abi.h>
#include <rmi/error.h>
#include <rmi/exit.h>
#include <rmi/exit-inline.h>
#include <rmi/host.h>
#include <rmi/launch.h>
#include <rmi/measure.h>
#include <rmi/mem.h>
#include <rmi/psci.h>
#include <rmi/realm.h>
#include <rmi/rec.h>
#include <rmi/rmi.h>
#include <rmi/sim.h>
#include <rmi/uapi.h>

#define CCA_VERSION_MAJOR 0
#define CCA_VERSION_MINOR 1
#define CCA_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cca_version() - the library's version string, e.g. "0.1.0"
 *
 * Return: a static string.
 * Context: any thread.
 */
const char *cca_version(void);

#ifdef __cplusplus
}
#endif
#endif /* RMI_CCA_H */
