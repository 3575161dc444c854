/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define CONFAB_INSIDE
# include "confab-connection.h"
# include "confab-enum-types.h"
# include "confab-enums.h"
# include "confab-error.h"
# include "confab-invite.h"
# include "confab-server.h"
# include "confab-session.h"
# include "confab-signal.h"
# include "confab-token.h"
#undef CONFAB_INSIDE
