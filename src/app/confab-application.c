/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "confab-application"

#include "config.h"

#include <glib/gi18n.h>

#include "confab-application.h"
#include "confab-window.h"

/*
 * ConfabApplication:
 *
 * Owns the settings, the application-wide actions and their shortcuts, and opens windows:
 * one per session. `--demo` opens a hosting window and a guest window joined to it.
 */

struct _ConfabApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (ConfabApplication, confab_application, ADW_TYPE_APPLICATION)

/* Running from the build tree, the schema is not installed yet: use the compiled one there. */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CONFAB_APPLICATION_ID, TRUE);

#ifdef CONFAB_BUILD_SCHEMA_DIR
  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) built = NULL;

      built = g_settings_schema_source_new_from_directory (CONFAB_BUILD_SCHEMA_DIR, source,
                                                           FALSE, NULL);
      if (built != NULL)
        schema = g_settings_schema_source_lookup (built, CONFAB_APPLICATION_ID, FALSE);
    }
#endif

  if (schema == NULL)
    {
      g_warning ("The settings schema %s is not installed; settings will not be kept",
                 CONFAB_APPLICATION_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
apply_color_scheme (ConfabApplication *self)
{
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");
  AdwColorScheme color_scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (scheme, "light"))
    color_scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (scheme, "dark"))
    color_scheme = ADW_COLOR_SCHEME_FORCE_DARK;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), color_scheme);
}

static GtkWindow *
new_window (ConfabApplication *self)
{
  ConfabWindow *window = confab_window_new (self);

  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

static void
confab_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    window = new_window (CONFAB_APPLICATION (application));
  gtk_window_present (window);
}

static int
confab_application_command_line (GApplication            *application,
                                 GApplicationCommandLine *command_line)
{
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);


  if (g_variant_dict_contains (options, "demo"))
    confab_application_open_demo (CONFAB_APPLICATION (application));
  else
    g_application_activate (application);

  return EXIT_SUCCESS;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GApplication *application = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (application)));

  /* Closing the windows leaves their sessions cleanly before the process ends. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);

  g_application_quit (application);
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  new_window (user_data);
}

static void
present_window_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_window_by_id (user_data,
                                                        g_variant_get_uint32 (parameter));

  if (window != NULL)
    gtk_window_present (window);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (user_data);
  const char *developers[] = { _("The Confab contributors"), NULL };
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  g_object_set (about,
                "application-name", _("Confab"),
                "application-icon", CONFAB_APPLICATION_ID,
                "version", PACKAGE_VERSION,
                "comments", _("Chat with people on your network, with nothing to set up"),
                "website", "https://github.com/confab/confab",
                "license-type", GTK_LICENSE_GPL_3_0,
                "developers", developers,
                /* Translators: your names, one per line */
                "translator-credits", _("translator-credits"),
                NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "new-window", new_window_action },
  { "present-window", present_window_action, "u" },
  { "about", about_action },
};

static void
confab_application_startup (GApplication *application)
{
  ConfabApplication *self = CONFAB_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };
  static const char *copy_invite_accels[] = { "<Control><Shift>c", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (confab_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-window",
                                         new_window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.copy-invite",
                                         copy_invite_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close",
                                         close_accels);

  self->settings = settings_new ();
  if (self->settings != NULL)
    {
      g_autoptr(GAction) color_scheme = g_settings_create_action (self->settings,
                                                                  "color-scheme");

      g_action_map_add_action (G_ACTION_MAP (self), color_scheme);
      g_signal_connect_object (self->settings, "changed::color-scheme",
                               G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
      apply_color_scheme (self);
    }
}

static void
confab_application_dispose (GObject *object)
{
  ConfabApplication *self = CONFAB_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (confab_application_parent_class)->dispose (object);
}

static void
confab_application_class_init (ConfabApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = confab_application_dispose;
  application_class->activate = confab_application_activate;
  application_class->command_line = confab_application_command_line;
  application_class->startup = confab_application_startup;
}

static void
confab_application_init (ConfabApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Host a local session and open a second window joined to it"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

/**
 * confab_application_new:
 * @flags: extra flags, such as %G_APPLICATION_NON_UNIQUE for tests
 */
ConfabApplication *
confab_application_new (GApplicationFlags flags)
{
  return g_object_new (CONFAB_TYPE_APPLICATION,
                       "application-id", CONFAB_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE | flags,
                       "resource-base-path", "/io/github/confab/Confab",
                       NULL);
}

/**
 * confab_application_get_settings:
 * @self: (nullable): the application, or %NULL when there is none (as in some tests)
 *
 * Returns: (transfer none) (nullable): the settings, %NULL if the schema is missing
 */
GSettings *
confab_application_get_settings (ConfabApplication *self)
{
  if (self == NULL)
    return NULL;

  g_return_val_if_fail (CONFAB_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * confab_application_open_demo:
 * @self: a #ConfabApplication
 *
 * Opens a window hosting a session on this computer and a second one joined to it as
 * "Demo guest", so a newcomer can chat between the two at once.
 */
void
confab_application_open_demo (ConfabApplication *self)
{
  ConfabWindow *host;

  g_return_if_fail (CONFAB_IS_APPLICATION (self));

  host = confab_window_new (self);
  gtk_window_present (GTK_WINDOW (host));
  confab_window_host_demo (host);
}
