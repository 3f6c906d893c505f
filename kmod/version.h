/* SPDX-License-Identifier: GPL-2.0 */
/* Single source of the version for the module and vpnmasq-ctl. */
#ifndef _VPNMASQ_VERSION_H
#define _VPNMASQ_VERSION_H

#define VPNMASQ_VERSION "0.1.0"

#endif /* _VPNMASQ_VERSION_H */
