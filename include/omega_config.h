/*
 * omega_config.h — the reader side of omega-config: a local, hot-reloading
 * cache of the settings snapshot that omega-settingsd publishes to Redis.
 *
 * Pure C99. No third-party headers. Link with `pkg-config --libs omega_config`
 * or `find_package(omega_config)` -> `omega::omega_config`. C++17 programs may
 * use omega_config.hpp, a header-only layer over exactly these functions.
 *
 * Threading
 * ---------
 * omega_cfg: one handle may be shared by any number of threads. Every read
 *   (omega_cfg_get*, omega_cfg_snapshot, omega_cfg_get_status) is safe to call
 *   concurrently from any thread; reads never do I/O and never wait for the
 *   network or for a reload. Each handle owns one background *watcher thread*
 *   that talks to Redis, installs new snapshots and runs reload callbacks.
 *   omega_cfg_close must be the last call on a handle, made once, when no other
 *   thread uses it any more, and never from inside a reload callback.
 * fork(): a handle belongs to the process that opened it. In a child, an
 *   inherited handle is inert: reads serve the snapshot it had (its status turns
 *   STALE), and omega_cfg_close frees memory only, never touching the parent's
 *   watcher thread, sockets or eventfd. A child that wants updates opens its own
 *   handle. Pre-fork servers (gunicorn, uWSGI, multiprocessing) are safe.
 * omega_snapshot: immutable. Any thread may read it; release it exactly once.
 * Error messages: omega_last_error() is per thread, so threads sharing a handle
 *   never see each other's messages.
 *
 * Pointers returned by this API are, in these words exactly, one of:
 *   static, never free · borrowed until X · copied into buf
 *
 * Status codes: every fallible call returns int: OMEGA_OK (0) or a negative
 * omega_status. Codes are pinned; new ones are only ever appended.
 */
#ifndef OMEGA_CONFIG_H
#define OMEGA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define OMEGA_API
#elif defined(__GNUC__)
#define OMEGA_API __attribute__((visibility("default")))
#else
#define OMEGA_API
#endif

/* ---- Versions ----------------------------------------------------------- */

#define OMEGA_CONFIG_VERSION_MAJOR 0
#define OMEGA_CONFIG_VERSION_MINOR 1
#define OMEGA_CONFIG_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, comparable with omega_version_number(). */
#define OMEGA_CONFIG_VERSION_NUMBER \
  (OMEGA_CONFIG_VERSION_MAJOR * 10000 + OMEGA_CONFIG_VERSION_MINOR * 100 + OMEGA_CONFIG_VERSION_PATCH)

/* Version of the library actually loaded at run time. */
OMEGA_API unsigned omega_version_number(void);
/* "0.1.0". Static, never free. */
OMEGA_API const char* omega_version_string(void);

/* ---- Status codes and errors --------------------------------------------- */

typedef enum omega_status {
  OMEGA_OK = 0,
  OMEGA_E_INVALID_ARG = -1,      /* NULL handle/key/out pointer, bad option */
  OMEGA_E_NOT_FOUND = -2,        /* key not in the snapshot, or its value is null */
  OMEGA_E_BUFFER_TOO_SMALL = -3, /* *out_len says the size needed */
  OMEGA_E_TYPE = -4,             /* value exists but is not of the asked type */
  OMEGA_E_MISSING_KEYS = -5,     /* omega_cfg_require: message names every one */
  OMEGA_E_UNAVAILABLE = -6,      /* Redis unreachable and no last-known-good file */
  OMEGA_E_BAD_URL = -7,          /* Redis URL could not be parsed */
  OMEGA_E_NOMEM = -8,
  OMEGA_E_INTERNAL = -9,
  OMEGA_E_BAD_SNAPSHOT = -10,  /* snapshot rejected: JSON, sha256, size, epoch */
  OMEGA_E_NO_SUCH_TOKEN = -11, /* omega_cfg_off_reload with an unknown token */
  OMEGA_E_SEALED = -12         /* a sealed secret, and this handle has no seal key */
} omega_status;

/* Short fixed text for a status code. Static, never free. */
OMEGA_API const char* omega_strerror(int status);

/* Detailed message of the last failed call on *this thread* ("" if none).
 * Borrowed until the next omega_* call on this thread. */
OMEGA_API const char* omega_last_error(void);

/* ---- Opening a handle ---------------------------------------------------- */

typedef struct omega_cfg omega_cfg;

#define OMEGA_CFG_OPTIONS_VERSION 2

/* Zero or NULL in any field means "the default". Fields are only ever
 * appended; set struct_version with OMEGA_CFG_OPTIONS_INIT or
 * omega_cfg_options_init. */
typedef struct omega_cfg_options {
  unsigned struct_version;
  /* redis://[user:password@]host[:port][/db], redis://[::1]:6379/0,
   * unix:///path/redis.sock[?db=N][&password=P][&user=U].
   * Default: "redis://127.0.0.1:6379/0". A host name (not an IP literal) is
   * resolved with the system resolver, which a hung DNS server can stall:
   * use IP literals where close() must be prompt whatever the network does. */
  const char* redis_url;
  /* Prefix for every name: "staging" -> "staging:omega:config",
   * "staging:omega:config:version", "staging:omega:config:meta",
   * "staging:config_channel". Default: no prefix. */
  const char* namespace_prefix;
  /* Explicit names; each overrides the (prefixed) default. */
  const char* config_key;      /* "omega:config" */
  const char* version_key;     /* "omega:config:version" */
  const char* meta_key;        /* "omega:config:meta" */
  const char* channel;         /* "config_channel" */
  unsigned connect_timeout_ms; /* 2000 */
  unsigned command_timeout_ms; /* 2000 */
  unsigned poll_interval_ms;   /* backstop version poll: 2000 */
  unsigned heartbeat_ms;       /* PING on the subscriber connection: 1000 */
  unsigned reconnect_max_ms;   /* cap of the exponential backoff: 2000 */
  /* Optional file holding the last good snapshot (written atomically, 0600).
   * Lets a process start while Redis is down; it then starts STALE. */
  const char* last_known_good_path;
  size_t max_snapshot_bytes; /* 16 MiB */

  /* ---- struct_version 2 ---- */
  /* TLS to Redis, for rediss:// URLs only (a TLS option with another scheme is
   * OMEGA_E_INVALID_ARG). Each overrides the URL's query parameter of redis-py's
   * name (ssl_ca_certs, ssl_ca_path, ssl_certfile, ssl_keyfile), so one URL can
   * configure every client of a deployment. Certificate chain and host name are
   * verified by default, against the system's CA store unless a CA is given. */
  const char* tls_ca_file;     /* PEM bundle of trusted CAs */
  const char* tls_ca_dir;      /* hashed CA directory (c_rehash) */
  const char* tls_cert_file;   /* client certificate (mutual TLS) */
  const char* tls_key_file;    /* its private key */
  const char* tls_server_name; /* SNI and the name verified; default: the URL's host */
  int tls_skip_verify;         /* 1: accept any certificate (ssl_cert_reqs=none); tests only */
  /* Sealed secrets: a file holding the writer's seal key(s) (see omega-settingsd
   * --seal-key-file), readable by its owner only (mode 0600 or 0400). With it,
   * sealed values are opened at install (reads cost nothing more); a value
   * that does not open rejects that snapshot (ERROR, the last good one stays),
   * and the file is read again once when a snapshot names a key id it does not
   * list (rotation). Without it, reading a sealed value fails with
   * OMEGA_E_SEALED, never returning the ciphertext. A file that is missing,
   * unreadable, accessible by group or others, or not a valid key file makes
   * omega_cfg_open fail with OMEGA_E_INVALID_ARG naming it. The library reads
   * no environment variable (the Python package reads OMEGA_SEAL_KEY_FILE). */
  const char* seal_key_path;
  /* Names this handle's command connection omega:<service>:<host>:<pid>:v<N>:<STATE> and its
   * subscriber omega:<service>:<host>:<pid>:sub (CLIENT SETNAME), so the writer can list the
   * fleet. Default: the program name. */
  const char* service_name;
} omega_cfg_options;

/* Every field named, in order, so that neither C nor C++ warns under -Wextra
 * (-Wmissing-field-initializers): struct_version set, the rest zero/NULL.
 * It grows with the struct; the installed-package test compiles it with
 * -Wextra -Werror in C99 and C++, so a field appended without it fails. */
#define OMEGA_CFG_OPTIONS_INIT                                                                      \
  {                                                                                                 \
    OMEGA_CFG_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL, 0, /* v1 */ \
        NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL                                        /* v2 */ \
  }

/* The same at run time: zeroes the fields that struct_version has and sets
 * struct_version. Pass OMEGA_CFG_OPTIONS_VERSION: the library then touches
 * exactly the struct this header declares, even when it is a newer library
 * whose struct has grown:
 *
 *   omega_cfg_options opts;
 *   omega_cfg_options_init(&opts, OMEGA_CFG_OPTIONS_VERSION);
 *
 * OMEGA_E_INVALID_ARG if opts is NULL or struct_version is 0 or newer than
 * the library (*opts untouched). */
OMEGA_API int omega_cfg_options_init(omega_cfg_options* opts, unsigned struct_version);

/* Connects, loads the current snapshot and starts the watcher thread.
 * opts may be NULL (all defaults). Returns before the first sync only if it
 * fails: then, with a last-known-good file, the handle starts STALE from the
 * file; without one, returns OMEGA_E_UNAVAILABLE and *out is NULL.
 * If Redis is reachable but holds no snapshot yet, the handle opens READY at
 * version 0 with no keys and picks up the first published one.
 * On success *out is a handle the caller frees with omega_cfg_close. */
OMEGA_API int omega_cfg_open(const omega_cfg_options* opts, omega_cfg** out);

/* Stops the watcher and frees the handle. Returns within a second even when
 * Redis is hung; no thread is left behind. Runs the destructors of callbacks
 * still registered. NULL is a no-op. Not from inside a reload callback.
 * In a child of fork() it frees memory only (see Threading above). */
OMEGA_API void omega_cfg_close(omega_cfg* cfg);

/* ---- Reading ------------------------------------------------------------- */

/* Keys are canonical UPPER_SNAKE_CASE; every lookup ignores ASCII case, so
 * "redis_url" finds "REDIS_URL". A sealed secret that this handle cannot open
 * (no seal_key_path) is listed, but every read of it (omega_cfg_get*,
 * omega_snapshot_get*, omega_snapshot_type, omega_snapshot_entry) returns
 * OMEGA_E_SEALED. */

typedef enum omega_value_type {
  OMEGA_TYPE_STRING = 0,
  OMEGA_TYPE_INT = 1,    /* JSON integer that fits int64 */
  OMEGA_TYPE_DOUBLE = 2, /* any other JSON number */
  OMEGA_TYPE_BOOL = 3,
  OMEGA_TYPE_NULL = 4, /* listed by iteration; reads say NOT_FOUND */
  OMEGA_TYPE_JSON = 5  /* nested array/object, kept as compact JSON text */
} omega_value_type;

/* The value's text (strings unquoted; numbers, booleans and nested values as
 * JSON text), copied into buf with a terminating NUL. *out_len (optional)
 * receives the text length without the NUL. If buf_len <= that length,
 * returns OMEGA_E_BUFFER_TOO_SMALL and *out_len tells the size needed minus
 * one; buf may then be NULL with buf_len 0, to ask for the size. */
OMEGA_API int omega_cfg_get(omega_cfg* cfg, const char* key, char* buf, size_t buf_len, size_t* out_len);

/* Typed reads. A JSON number of the right kind converts; so does a string
 * holding exactly such a number ("30", "0.5") or, for booleans, exactly one of
 * true/false/1/0/yes/no/on/off (any case). Anything else is OMEGA_E_TYPE,
 * never a silent 0. Integers out of int64 range are OMEGA_E_TYPE too. */
OMEGA_API int omega_cfg_get_int64(omega_cfg* cfg, const char* key, int64_t* out);
OMEGA_API int omega_cfg_get_double(omega_cfg* cfg, const char* key, double* out);
OMEGA_API int omega_cfg_get_bool(omega_cfg* cfg, const char* key, int* out);

/* Fails with OMEGA_E_MISSING_KEYS unless every key is present (and not null);
 * omega_last_error() then names every missing key in one message. A require
 * that succeeds is remembered: a later snapshot that lacks one of its keys is
 * rejected and the last good one is kept. A failed one changes nothing. */
OMEGA_API int omega_cfg_require(omega_cfg* cfg, const char* const* keys, size_t n_keys);

/* ---- Pinned snapshots ---------------------------------------------------- */

typedef struct omega_snapshot omega_snapshot;

/* Pins the current snapshot: one immutable version to read many keys from.
 * *out: caller frees with omega_snapshot_release. */
OMEGA_API int omega_cfg_snapshot(omega_cfg* cfg, omega_snapshot** out);
/* NULL is a no-op. */
OMEGA_API void omega_snapshot_release(omega_snapshot* snap);

/* Version of this snapshot; 0 for "no snapshot yet"; -1 if snap is NULL. */
OMEGA_API int64_t omega_snapshot_version(const omega_snapshot* snap);
/* Epoch id of this snapshot ("" if the writer published none).
 * Borrowed until omega_snapshot_release; "" if snap is NULL. */
OMEGA_API const char* omega_snapshot_epoch(const omega_snapshot* snap);
/* Number of keys, null-valued ones included. */
OMEGA_API size_t omega_snapshot_count(const omega_snapshot* snap);

/* *out_value: NUL-terminated text, borrowed until omega_snapshot_release.
 * out_len (optional) receives its length. */
OMEGA_API int omega_snapshot_get(const omega_snapshot* snap, const char* key, const char** out_value, size_t* out_len);
OMEGA_API int omega_snapshot_get_int64(const omega_snapshot* snap, const char* key, int64_t* out);
OMEGA_API int omega_snapshot_get_double(const omega_snapshot* snap, const char* key, double* out);
OMEGA_API int omega_snapshot_get_bool(const omega_snapshot* snap, const char* key, int* out);
OMEGA_API int omega_snapshot_type(const omega_snapshot* snap, const char* key, omega_value_type* out);

/* Iteration in key order: index in [0, omega_snapshot_count). *out_key and
 * *out_value are borrowed until omega_snapshot_release; out_type optional.
 * A sealed secret (see omega_cfg_get): OMEGA_E_SEALED with *out_key set and
 * *out_value NULL, so the caller can name it and go on. */
OMEGA_API int omega_snapshot_entry(const omega_snapshot* snap, size_t index, const char** out_key,
                                   const char** out_value, omega_value_type* out_type);

/* ---- Reload callbacks ---------------------------------------------------- */

/* Runs on the handle's watcher thread, after the new snapshot is visible to
 * every reader; once per installed version, in version order, never two at
 * once. Bursts coalesce: you see the latest state, not every intermediate one.
 * changed_keys: the keys added, removed or modified since the previously
 * installed version, sorted; snapshot: the version they refer to. Both
 * borrowed until the callback returns. Inside, you may read (omega_cfg_get*,
 * omega_cfg_snapshot on any handle), register or unregister callbacks
 * (including this one); never call omega_cfg_close. Keep it short: the
 * watcher does not sync while a callback runs. */
typedef void (*omega_reload_fn)(int64_t version, const char* const* changed_keys, size_t n_changed,
                                const omega_snapshot* snapshot, void* user_data);

/* Registers fn. destroy (optional) is called with user_data exactly once:
 * after omega_cfg_off_reload, or at omega_cfg_close. *out_token identifies the
 * registration (never 0). */
OMEGA_API int omega_cfg_on_reload(omega_cfg* cfg, omega_reload_fn fn, void* user_data, void (*destroy)(void*),
                                  uint64_t* out_token);

/* Unregisters. If the callback is running on the watcher thread, waits until
 * it returns, then calls destroy(user_data). Called from inside any reload
 * callback (of any handle) it never waits: the callback simply never runs
 * again, and destroy runs once its current run has returned. */
OMEGA_API int omega_cfg_off_reload(omega_cfg* cfg, uint64_t token);

/* ---- Health -------------------------------------------------------------- */

typedef enum omega_state {
  OMEGA_STATE_READY = 0, /* connected and in sync with Redis */
  OMEGA_STATE_STALE = 1, /* serving a good snapshot, but not known to be in
                            sync: no successful sync within poll interval +
                            command timeout (Redis unreachable or hung, a
                            partition, a watcher that is gone), started from
                            the last-known-good file, or Redis holds an older
                            version than the applied one (last_error says which) */
  OMEGA_STATE_ERROR = 2  /* the newest snapshot in Redis was rejected; serving
                            the last good one (or none) */
} omega_state;

/* "READY", "STALE", "ERROR". Static, never free. */
OMEGA_API const char* omega_state_name(int state);

#define OMEGA_CFG_STATUS_VERSION 1

typedef struct omega_cfg_status {
  unsigned struct_version; /* set with OMEGA_CFG_STATUS_INIT */
  int state;               /* omega_state */
  int64_t version;         /* applied version; 0 = none */
  char epoch[72];          /* epoch of the applied version, "" if none */
  int64_t ms_since_sync;   /* since the last successful sync; -1 = never */
  uint64_t reloads;        /* versions installed since open */
  uint64_t rejected;       /* snapshots rejected since open */
  int last_error_code;     /* omega_status of the last failure, 0 if none */
  char last_error[512];    /* its message, "" if none; copied */
} omega_cfg_status;

/* Every field named, for the same reason as OMEGA_CFG_OPTIONS_INIT. */
#define OMEGA_CFG_STATUS_INIT \
  { OMEGA_CFG_STATUS_VERSION, 0, 0, "", 0, 0, 0, 0, "" }

/* Fills *out (struct_version must be set). */
OMEGA_API int omega_cfg_get_status(omega_cfg* cfg, omega_cfg_status* out);

#ifdef __cplusplus
}
#endif

#endif /* OMEGA_CONFIG_H */
