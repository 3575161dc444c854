/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CONFAB_TYPE_START_PAGE (confab_start_page_get_type ())

G_DECLARE_FINAL_TYPE (ConfabStartPage, confab_start_page, CONFAB, START_PAGE, GtkWidget)

void confab_start_page_set_busy  (ConfabStartPage *self,
                                  gboolean         busy);
void confab_start_page_set_error (ConfabStartPage *self,
                                  const char      *message);

G_END_DECLS
