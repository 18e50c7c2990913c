/*
 * omega_log_level.h — apply the LOG_LEVEL setting of an omega_config handle
 * to a C program, now and on every reload that changes it.
 *
 * LOG_LEVEL is read case-insensitively as one of the syslog names
 *   debug info notice warning|warn error|err critical|crit alert emerg
 * or as a number 0-7 (a JSON integer or a string holding one), and handed to
 * an apply function as a syslog priority (LOG_EMERG=0 ... LOG_DEBUG=7) with
 * its canonical name ("debug", "info", "notice", "warning", "err", "crit",
 * "alert", "emerg").
 *
 * An invalid value, or LOG_LEVEL disappearing, keeps the previous level and
 * says so on stderr. A missing LOG_LEVEL at watch time applies nothing.
 *
 * Threading: the apply function runs on the thread that calls
 * omega_log_level_watch (for the current value) and then on the handle's
 * watcher thread (for reloads), never two at once and never out of version
 * order. Keep it short; it must not call omega_cfg_close.
 *
 * Pure C99; link with this file's .c and omega_config.
 */
#ifndef OMEGA_LOG_LEVEL_H
#define OMEGA_LOG_LEVEL_H

#include <stdint.h>

#include <omega_config.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*omega_log_level_apply_fn)(int syslog_priority, const char* name, void* user_data);

/* Parses a LOG_LEVEL value. Returns OMEGA_OK and the priority (0-7) in *out,
 * or OMEGA_E_TYPE for anything else (*out untouched), OMEGA_E_INVALID_ARG
 * for NULL arguments. */
int omega_log_level_parse(const char* text, int* out);

/* Canonical syslog name of a priority 0-7; "unknown" otherwise.
 * Static, never free. */
const char* omega_log_level_name(int syslog_priority);

/* Applies LOG_LEVEL now (if present and valid) and on every reload whose
 * changed keys include it. *out_token (optional) is the registration, for
 * omega_log_level_unwatch. The state is freed by unwatch or at
 * omega_cfg_close. Returns OMEGA_OK or an omega_status. */
int omega_log_level_watch(omega_cfg* cfg, omega_log_level_apply_fn apply, void* user_data, uint64_t* out_token);

/* The same for a key other than LOG_LEVEL (e.g. "HTTP_LOG_LEVEL"). */
int omega_log_level_watch_key(omega_cfg* cfg, const char* key, omega_log_level_apply_fn apply, void* user_data,
                              uint64_t* out_token);

/* Stops watching; waits for a running apply to return. */
int omega_log_level_unwatch(omega_cfg* cfg, uint64_t token);

/* A ready-made apply function: setlogmask(LOG_UPTO(syslog_priority)).
 * user_data is ignored. */
void omega_log_level_apply_setlogmask(int syslog_priority, const char* name, void* user_data);

#ifdef __cplusplus
}
#endif

#endif /* OMEGA_LOG_LEVEL_H */
