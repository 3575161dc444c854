/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-start-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "confab-application.h"
#include "confab-start-page.h"
#include "confab-window.h"

/*
 * ConfabStartPage:
 *
 * What a new window shows: host a session here, or join one with an invite link. The name
 * and the choices are remembered in GSettings.
 */

struct _ConfabStartPage
{
  GtkWidget      parent_instance;

  AdwEntryRow   *name_row;
  GtkSwitch     *lan_switch;
  AdwEntryRow   *link_row;
  GtkLabel      *error_label;
  GtkSpinner    *spinner;
  GtkWidget     *content;
};

G_DEFINE_FINAL_TYPE (ConfabStartPage, confab_start_page, GTK_TYPE_WIDGET)

static char *
dup_name (ConfabStartPage *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
}

static gboolean
check_name (ConfabStartPage *self,
            const char      *name)
{
  if (*name == '\0')
    {
      confab_start_page_set_error (self, _("Choose the name others will see."));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return FALSE;
    }

  if (g_utf8_strlen (name, -1) > CONFAB_DISPLAY_NAME_MAX_LENGTH)
    {
      confab_start_page_set_error (self, _("That name is too long: use at most 100 characters."));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return FALSE;
    }

  return TRUE;
}

static void
host_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ConfabStartPage *self = CONFAB_START_PAGE (widget);
  g_autofree char *name = dup_name (self);
  GtkWidget *window = gtk_widget_get_ancestor (widget, CONFAB_TYPE_WINDOW);

  if (!check_name (self, name) || window == NULL)
    return;

  confab_start_page_set_error (self, NULL);
  confab_window_host (CONFAB_WINDOW (window), name, gtk_switch_get_active (self->lan_switch));
}

static void
join_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ConfabStartPage *self = CONFAB_START_PAGE (widget);
  g_autofree char *name = dup_name (self);
  g_autofree char *link = NULL;
  GtkWidget *window = gtk_widget_get_ancestor (widget, CONFAB_TYPE_WINDOW);

  if (!check_name (self, name) || window == NULL)
    return;

  link = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->link_row))));
  if (*link == '\0')
    {
      confab_start_page_set_error (self, _("Paste the invite link the host shared with you."));
      gtk_widget_grab_focus (GTK_WIDGET (self->link_row));
      return;
    }

  confab_start_page_set_error (self, NULL);
  confab_window_join (CONFAB_WINDOW (window), link, name);
}

/* Enter in the link field joins. */
static void
on_link_activated (ConfabStartPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "start.join", NULL);
}

static void
confab_start_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), CONFAB_TYPE_START_PAGE);
  /* GTK 4.8 unparents only the bound children: the template's root is not. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (confab_start_page_parent_class)->dispose (object);
}

static void
confab_start_page_class_init (ConfabStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = confab_start_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/confab/Confab/confab-start-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, lan_switch);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, link_row);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ConfabStartPage, content);

  gtk_widget_class_bind_template_callback (widget_class, on_link_activated);

  gtk_widget_class_install_action (widget_class, "start.host", NULL, host_action);
  gtk_widget_class_install_action (widget_class, "start.join", NULL, join_action);
}

static void
confab_start_page_init (ConfabStartPage *self)
{
  GSettings *settings;

  gtk_widget_init_template (GTK_WIDGET (self));

  settings = confab_application_get_settings (CONFAB_APPLICATION_DEFAULT);
  if (settings != NULL)
    {
      g_settings_bind (settings, "display-name", self->name_row, "text", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "allow-lan", self->lan_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "last-invite-link", self->link_row, "text",
                       G_SETTINGS_BIND_DEFAULT);
    }

  /* A first start offers the account's name. */
  if (*gtk_editable_get_text (GTK_EDITABLE (self->name_row)) == '\0')
    {
      const char *real_name = g_get_real_name ();

      if (real_name == NULL || *real_name == '\0' || g_str_equal (real_name, "Unknown"))
        real_name = g_get_user_name ();
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), real_name);
    }
}

void
confab_start_page_set_busy (ConfabStartPage *self,
                            gboolean         busy)
{
  g_return_if_fail (CONFAB_IS_START_PAGE (self));

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (self->content, !busy);
}

/**
 * confab_start_page_set_error:
 * @self: a #ConfabStartPage
 * @message: (nullable): what went wrong, in a sentence; %NULL to clear
 */
void
confab_start_page_set_error (ConfabStartPage *self,
                             const char      *message)
{
  g_return_if_fail (CONFAB_IS_START_PAGE (self));

  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}
