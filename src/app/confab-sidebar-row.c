/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-sidebar-row"

#include "config.h"

#include <adwaita.h>

#include "confab-sidebar-row.h"

/*
 * ConfabSidebarRow:
 *
 * One recipient in the sidebar: "Everyone" or a participant, with the unread count and, for
 * a moderator, a menu to remove them.
 */

struct _ConfabSidebarRow
{
  GtkWidget           parent_instance;

  ConfabConversation *conversation;

  GtkLabel           *unread;
};

G_DEFINE_FINAL_TYPE (ConfabSidebarRow, confab_sidebar_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONVERSATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ConfabSidebarRow *self = CONFAB_SIDEBAR_ROW (widget);
  const char *id;

  if (self->conversation == NULL ||
      (id = confab_conversation_get_connection_id (self->conversation)) == NULL)
    return;

  gtk_widget_activate_action (widget, "chat.remove-participant", "s", id);
}

static gboolean
string_is_set (gpointer    this,
               const char *string)
{
  return string != NULL && *string != '\0';
}

static void
confab_sidebar_row_dispose (GObject *object)
{
  ConfabSidebarRow *self = CONFAB_SIDEBAR_ROW (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), CONFAB_TYPE_SIDEBAR_ROW);
  /* GTK 4.8 unparents only the bound children: the template's root is not. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->conversation);

  G_OBJECT_CLASS (confab_sidebar_row_parent_class)->dispose (object);
}

static void
confab_sidebar_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ConfabSidebarRow *self = CONFAB_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      g_value_set_object (value, self->conversation);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_sidebar_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ConfabSidebarRow *self = CONFAB_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION:
      confab_sidebar_row_set_conversation (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_sidebar_row_class_init (ConfabSidebarRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = confab_sidebar_row_dispose;
  object_class->get_property = confab_sidebar_row_get_property;
  object_class->set_property = confab_sidebar_row_set_property;

  properties[PROP_CONVERSATION] =
    g_param_spec_object ("conversation", NULL, NULL, CONFAB_TYPE_CONVERSATION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/confab/Confab/confab-sidebar-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConfabSidebarRow, unread);
  gtk_widget_class_bind_template_callback_full (widget_class, "confab_string_is_set",
                                                G_CALLBACK (string_is_set));
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sidebarrow");
  gtk_widget_class_install_action (widget_class, "row.remove", NULL, remove_action);
}

static void
confab_sidebar_row_init (ConfabSidebarRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ConfabConversation *
confab_sidebar_row_get_conversation (ConfabSidebarRow *self)
{
  g_return_val_if_fail (CONFAB_IS_SIDEBAR_ROW (self), NULL);
  return self->conversation;
}

void
confab_sidebar_row_set_conversation (ConfabSidebarRow   *self,
                                     ConfabConversation *conversation)
{
  g_return_if_fail (CONFAB_IS_SIDEBAR_ROW (self));

  if (g_set_object (&self->conversation, conversation))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION]);
}
