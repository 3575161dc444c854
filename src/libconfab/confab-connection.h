/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(CONFAB_INSIDE) && !defined(CONFAB_COMPILATION)
# error "Only <confab.h> can be included directly."
#endif

#include <glib-object.h>

#include "confab-version-macros.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CONNECTION (confab_connection_get_type ())

CONFAB_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (ConfabConnection, confab_connection, CONFAB, CONNECTION, GObject)

CONFAB_AVAILABLE_IN_ALL
const char *confab_connection_get_id            (ConfabConnection *self);
CONFAB_AVAILABLE_IN_ALL
const char *confab_connection_get_data          (ConfabConnection *self);
CONFAB_AVAILABLE_IN_ALL
gint64      confab_connection_get_creation_time (ConfabConnection *self);

G_END_DECLS
