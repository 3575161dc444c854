/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *confab_random_hex (guint n_bytes);

G_END_DECLS
