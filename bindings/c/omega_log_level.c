/* omega_log_level.c — see omega_log_level.h. */
#define _POSIX_C_SOURCE 200809L
#include "omega_log_level.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char* const canonical[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

static const struct {
  const char* name;
  int priority;
} spellings[] = {
    {"emerg", LOG_EMERG},   {"alert", LOG_ALERT}, {"critical", LOG_CRIT},   {"crit", LOG_CRIT},
    {"error", LOG_ERR},     {"err", LOG_ERR},     {"warning", LOG_WARNING}, {"warn", LOG_WARNING},
    {"notice", LOG_NOTICE}, {"info", LOG_INFO},   {"debug", LOG_DEBUG},
};

static int ieq(const char* a, const char* b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

int omega_log_level_parse(const char* text, int* out) {
  if (!text || !out) return OMEGA_E_INVALID_ARG;
  if (text[0] >= '0' && text[0] <= '7' && text[1] == '\0') {
    *out = text[0] - '0';
    return OMEGA_OK;
  }
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
    if (ieq(text, spellings[i].name)) {
      *out = spellings[i].priority;
      return OMEGA_OK;
    }
  return OMEGA_E_TYPE;
}

const char* omega_log_level_name(int p) { return p >= 0 && p <= 7 ? canonical[p] : "unknown"; }

void omega_log_level_apply_setlogmask(int p, const char* name, void* ud) {
  (void)name;
  (void)ud;
  if (p >= 0 && p <= 7) setlogmask(LOG_UPTO(p));
}

typedef struct watch_state {
  pthread_mutex_t mu; /* orders the first apply against reloads */
  omega_log_level_apply_fn apply;
  void* user_data;
  char* key;
  int64_t seen_version; /* the snapshot the first look covered */
  char seen_epoch[80];
  int level; /* applied priority, -1 = none yet */
} watch_state;

/* Looks at snap's value of the key and applies it; under st->mu. */
static void consider(watch_state* st, const omega_snapshot* snap) {
  const char* text = NULL;
  int rc = omega_snapshot_get(snap, st->key, &text, NULL);
  if (rc == OMEGA_E_NOT_FOUND) {
    if (st->level >= 0)
      fprintf(stderr, "omega_log_level: %s is gone in version %lld; keeping %s\n", st->key,
              (long long)omega_snapshot_version(snap), omega_log_level_name(st->level));
    return;
  }
  if (rc != OMEGA_OK) return;
  int p;
  if (omega_log_level_parse(text, &p) != OMEGA_OK) {
    fprintf(stderr, "omega_log_level: invalid %s \"%s\" in version %lld; keeping %s\n", st->key, text,
            (long long)omega_snapshot_version(snap),
            st->level >= 0 ? omega_log_level_name(st->level) : "the current level");
    return;
  }
  st->level = p;
  st->apply(p, canonical[p], st->user_data);
}

static void on_reload(int64_t version, const char* const* changed, size_t n, const omega_snapshot* snap, void* ud) {
  watch_state* st = (watch_state*)ud;
  int touched = 0;
  for (size_t i = 0; i < n && !touched; i++) touched = ieq(changed[i], st->key);
  pthread_mutex_lock(&st->mu);
  /* Skip only the very snapshot the first look already applied (the same
   * version of the same epoch); everything else is newer. */
  int same = st->seen_version == version && strcmp(st->seen_epoch, omega_snapshot_epoch(snap)) == 0;
  if (touched && !same) consider(st, snap);
  st->seen_version = -1;
  pthread_mutex_unlock(&st->mu);
}

static void destroy(void* ud) {
  watch_state* st = (watch_state*)ud;
  pthread_mutex_destroy(&st->mu);
  free(st->key);
  free(st);
}

int omega_log_level_watch_key(omega_cfg* cfg, const char* key, omega_log_level_apply_fn apply, void* user_data,
                              uint64_t* out_token) {
  if (!cfg || !key || !*key || !apply) return OMEGA_E_INVALID_ARG;
  watch_state* st = (watch_state*)calloc(1, sizeof *st);
  if (!st) return OMEGA_E_NOMEM;
  st->key = (char*)malloc(strlen(key) + 1);
  if (!st->key) {
    free(st);
    return OMEGA_E_NOMEM;
  }
  strcpy(st->key, key);
  st->apply = apply;
  st->user_data = user_data;
  st->level = -1;
  st->seen_version = -1;
  pthread_mutex_init(&st->mu, NULL);

  /* Register first, then look at the current snapshot under the lock: a
   * reload in between is either seen by the callback after us, or already
   * installed when we pin (and then the callback skips nothing newer). */
  pthread_mutex_lock(&st->mu);
  uint64_t token = 0;
  int rc = omega_cfg_on_reload(cfg, on_reload, st, destroy, &token);
  if (rc != OMEGA_OK) {
    pthread_mutex_unlock(&st->mu);
    destroy(st);
    return rc;
  }
  omega_snapshot* snap = NULL;
  rc = omega_cfg_snapshot(cfg, &snap);
  if (rc == OMEGA_OK) {
    consider(st, snap);
    st->seen_version = omega_snapshot_version(snap);
    snprintf(st->seen_epoch, sizeof st->seen_epoch, "%s", omega_snapshot_epoch(snap));
    omega_snapshot_release(snap);
  }
  pthread_mutex_unlock(&st->mu);
  if (rc != OMEGA_OK) {
    omega_cfg_off_reload(cfg, token); /* runs destroy */
    return rc;
  }
  if (out_token) *out_token = token;
  return OMEGA_OK;
}

int omega_log_level_watch(omega_cfg* cfg, omega_log_level_apply_fn apply, void* user_data, uint64_t* out_token) {
  return omega_log_level_watch_key(cfg, "LOG_LEVEL", apply, user_data, out_token);
}

int omega_log_level_unwatch(omega_cfg* cfg, uint64_t token) { return omega_cfg_off_reload(cfg, token); }
