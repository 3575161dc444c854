/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "confab-connection.h"
#include "confab-protocol-private.h"

G_BEGIN_DECLS

ConfabConnection *confab_connection_new_from_info (const ConfabConnectionInfo *info);

G_END_DECLS
