/*
 * omega_log_level_example — applies LOG_LEVEL to syslog's mask, now and on
 * every change, and prints each level it applies:
 *
 *   omega_log_level_example [-u REDIS_URL] [--once]
 *
 * Prints "log level: <name> (<priority>)" each time the level is applied,
 * until SIGINT or SIGTERM (--once: after the first look).
 */
#define _POSIX_C_SOURCE 200809L
#include <omega_config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "omega_log_level.h"

/* An applier of our own that also uses the ready-made setlogmask one. */
static void apply(int priority, const char* name, void* user_data) {
  const char* prog = (const char*)user_data;
  omega_log_level_apply_setlogmask(priority, name, NULL);
  int mask = setlogmask(0); /* 0 reads the mask without changing it */
  printf("log level: %s (%d)%s\n", name, priority, mask == LOG_UPTO(priority) ? "" : " [mask not applied!]");
  fflush(stdout);
  syslog(LOG_NOTICE, "%s: log level is now %s", prog, name);
}

int main(int argc, char** argv) {
  const char* url = getenv("REDIS_URL");
  int once = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-u") && i + 1 < argc) {
      url = argv[++i];
    } else if (!strcmp(argv[i], "--once")) {
      once = 1;
    } else {
      fprintf(stderr, "usage: %s [-u REDIS_URL] [--once]\n", argv[0]);
      return 2;
    }
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  openlog("omega_log_level_example", LOG_PID, LOG_USER);
  omega_cfg_options opts = OMEGA_CFG_OPTIONS_INIT;
  opts.redis_url = url && *url ? url : NULL;
  omega_cfg* cfg = NULL;
  int rc = omega_cfg_open(&opts, &cfg);
  if (rc != OMEGA_OK) {
    fprintf(stderr, "cannot open: %s: %s\n", omega_strerror(rc), omega_last_error());
    return 3;
  }
  uint64_t token = 0;
  rc = omega_log_level_watch(cfg, apply, argv[0], &token);
  if (rc != OMEGA_OK) {
    fprintf(stderr, "omega_log_level_watch: %s\n", omega_strerror(rc));
    omega_cfg_close(cfg);
    return 3;
  }
  if (!once) {
    int sig = 0;
    sigwait(&sigs, &sig);
  }
  omega_log_level_unwatch(cfg, token);
  omega_cfg_close(cfg);
  closelog();
  return 0;
}
