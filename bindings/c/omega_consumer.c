/*
 * omega_consumer — a small C consumer of omega-config.
 *
 *   omega_consumer [-u REDIS_URL] [-n NAMESPACE] [-l LKG_FILE] [--once] KEY
 *
 * Opens a handle (URL from -u, else $REDIS_URL, else the library default),
 * prints "KEY=value", then one line per reload:
 *   reload version=N changed=A,B,C
 *   KEY=new-value            (when KEY was among the changed keys)
 * until SIGINT or SIGTERM. --once prints the setting and exits.
 * Exit status: 0 ok, 1 the key is missing, 2 usage, 3 cannot open.
 */
#define _POSIX_C_SOURCE 200809L
#include <omega_config.h>

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* watched_key;

static int ieq(const char* a, const char* b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

static void print_setting(const omega_snapshot* snap) {
  const char* v = NULL;
  int rc = omega_snapshot_get(snap, watched_key, &v, NULL);
  if (rc == OMEGA_OK)
    printf("%s=%s\n", watched_key, v);
  else
    printf("%s is not set (%s)\n", watched_key, omega_strerror(rc));
}

/* Runs on the handle's watcher thread. */
static void on_reload(int64_t version, const char* const* changed, size_t n, const omega_snapshot* snap,
                      void* user_data) {
  (void)user_data;
  int touched = 0;
  printf("reload version=%lld changed=", (long long)version);
  for (size_t i = 0; i < n; i++) {
    printf("%s%s", i ? "," : "", changed[i]);
    if (ieq(changed[i], watched_key)) touched = 1;
  }
  printf("\n");
  if (touched) print_setting(snap);
  fflush(stdout);
}

static int usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s [-u REDIS_URL] [-n NAMESPACE] [-l LKG_FILE] [--once] KEY\n"
          "  prints KEY, then every reload until SIGINT/SIGTERM\n",
          argv0);
  return 2;
}

int main(int argc, char** argv) {
  const char* url = getenv("REDIS_URL");
  const char *ns = NULL, *lkg = NULL;
  int once = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-u") && i + 1 < argc)
      url = argv[++i];
    else if (!strcmp(argv[i], "-n") && i + 1 < argc)
      ns = argv[++i];
    else if (!strcmp(argv[i], "-l") && i + 1 < argc)
      lkg = argv[++i];
    else if (!strcmp(argv[i], "--once"))
      once = 1;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
      return usage(argv[0]), 0;
    else if (argv[i][0] == '-' || watched_key)
      return usage(argv[0]);
    else
      watched_key = argv[i];
  }
  if (!watched_key) return usage(argv[0]);

  /* Block the signals before the watcher thread exists, so it inherits the
   * mask and only sigwait() below ever takes them. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  omega_cfg_options opts = OMEGA_CFG_OPTIONS_INIT;
  opts.redis_url = url && *url ? url : NULL;
  opts.namespace_prefix = ns;
  opts.last_known_good_path = lkg;
  omega_cfg* cfg = NULL;
  int rc = omega_cfg_open(&opts, &cfg);
  if (rc != OMEGA_OK) {
    fprintf(stderr, "omega_consumer: cannot open %s: %s: %s\n", opts.redis_url ? opts.redis_url : "(default URL)",
            omega_strerror(rc), omega_last_error());
    return 3;
  }

  omega_cfg_status st = OMEGA_CFG_STATUS_INIT;
  omega_cfg_get_status(cfg, &st);
  fprintf(stderr, "omega_consumer: libomega_config %s, state %s, version %lld\n", omega_version_string(),
          omega_state_name(st.state), (long long)st.version);

  /* The setting, copied out with the size-query idiom. */
  size_t len = 0;
  rc = omega_cfg_get(cfg, watched_key, NULL, 0, &len);
  int status = 0;
  if (rc == OMEGA_E_BUFFER_TOO_SMALL) {
    char* buf = malloc(len + 1);
    if (buf && omega_cfg_get(cfg, watched_key, buf, len + 1, NULL) == OMEGA_OK) printf("%s=%s\n", watched_key, buf);
    free(buf);
  } else {
    printf("%s is not set (%s)\n", watched_key, omega_strerror(rc));
    status = 1;
  }
  fflush(stdout);

  if (!once) {
    uint64_t token = 0;
    rc = omega_cfg_on_reload(cfg, on_reload, NULL, NULL, &token);
    if (rc != OMEGA_OK) {
      fprintf(stderr, "omega_consumer: on_reload: %s\n", omega_last_error());
      omega_cfg_close(cfg);
      return 3;
    }
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "omega_consumer: %s, closing\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
  }
  omega_cfg_close(cfg);
  return status;
}
