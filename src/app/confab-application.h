/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CONFAB_APPLICATION_ID "io.github.confab.Confab"
#define CONFAB_DISPLAY_NAME_MAX_LENGTH 100

#define CONFAB_TYPE_APPLICATION (confab_application_get_type ())
#define CONFAB_APPLICATION_DEFAULT (CONFAB_APPLICATION (g_application_get_default ()))

G_DECLARE_FINAL_TYPE (ConfabApplication, confab_application, CONFAB, APPLICATION,
                      AdwApplication)

ConfabApplication *confab_application_new          (GApplicationFlags  flags);
GSettings         *confab_application_get_settings (ConfabApplication *self);
void               confab_application_open_demo    (ConfabApplication *self);

G_END_DECLS
