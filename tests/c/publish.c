/* publish.c — the plain writer of the pattern document, through hiredis:
 * MULTI; SET omega:config; SET omega:config:version; [SET omega:config:meta];
 * PUBLISH config_channel; EXEC. See harness.h. */
#define _GNU_SOURCE
#include "harness.h"

#include <hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "th_test.h"

void th_writer_reset(th_redis* r) {
  if (r->writer) redisFree((redisContext*)r->writer);
  r->writer = NULL;
}

void th_sha256_hex(const void* data, size_t len, char out[65]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char h[crypto_hash_sha256_BYTES];
  if (sodium_init() < 0) abort();
  crypto_hash_sha256(h, (const unsigned char*)data, len);
  for (size_t i = 0; i < sizeof h; i++) {
    out[2 * i] = hex[h[i] >> 4];
    out[2 * i + 1] = hex[h[i] & 15];
  }
  out[64] = 0;
}

static const char* nm(const th_names* n, int which) {
  static const char* defaults[] = {"omega:config", "omega:config:version", "omega:config:meta", "config_channel"};
  const char* v = NULL;
  if (n) {
    switch (which) {
      case 0: v = n->config_key; break;
      case 1: v = n->version_key; break;
      case 2: v = n->meta_key; break;
      default: v = n->channel; break;
    }
  }
  return v ? v : defaults[which];
}

int th_try_publish(th_redis* r, const th_pub* p, char* err, size_t err_len) {
  redisContext* c = (redisContext*)r->writer;
  if (!c) {
    c = th_redis_connect(r, 2000);
    if (!c) {
      snprintf(err, err_len, "writer cannot connect to redis");
      return -1;
    }
    r->writer = c;
  }
  char ver[32], msg[4096], meta[640], sha[65], ts[64], seal_field[128] = "";
  snprintf(ver, sizeof ver, "%lld", (long long)p->version);
  const char* vtext = p->version_text ? p->version_text : ver;
  long long prev = p->prev_version ? (long long)p->prev_version : (long long)p->version - 1;
  snprintf(msg, sizeof msg,
           "{\"event\":\"updated\",\"version\":\"%s\",\"prev_version\":\"%lld\","
           "\"changed\":%s}",
           vtext, prev, p->changed_json ? p->changed_json : "[]");
  size_t jlen = p->json ? strlen(p->json) : 0;
  if (p->with_meta) {
    if (p->sha256_hex)
      snprintf(sha, sizeof sha, "%s", p->sha256_hex);
    else
      th_sha256_hex(p->json ? p->json : "", jlen, sha);
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    if (p->seal_key_id) snprintf(seal_field, sizeof seal_field, ",\"seal_key_id\":\"%s\"", p->seal_key_id);
    snprintf(meta, sizeof meta, "{\"version\":%s,\"epoch\":\"%s\",\"sha256\":\"%s\",\"written_at\":\"%s\"%s}", vtext,
             p->epoch ? p->epoch : "e1", sha, ts, seal_field);
  }
  int queued = 0;
  char dbs[16];
  if (p->db > 0) {
    snprintf(dbs, sizeof dbs, "%d", p->db);
    const char* a[] = {"SELECT", dbs};
    redisAppendCommandArgv(c, 2, a, NULL);
    queued++;
  }
  redisAppendCommand(c, "MULTI");
  queued++;
  if (!p->publish_only) {
    const char* a1[] = {"SET", nm(p->names, 0), p->json ? p->json : ""};
    size_t l1[] = {3, strlen(a1[1]), jlen};
    redisAppendCommandArgv(c, 3, a1, l1);
    const char* a2[] = {"SET", nm(p->names, 1), vtext};
    redisAppendCommandArgv(c, 3, a2, NULL);
    queued += 2;
    if (p->with_meta) {
      const char* a3[] = {"SET", nm(p->names, 2), meta};
      redisAppendCommandArgv(c, 3, a3, NULL);
      queued++;
    }
  }
  if (!p->no_publish) {
    const char* a4[] = {"PUBLISH", nm(p->names, 3), msg};
    redisAppendCommandArgv(c, 3, a4, NULL);
    queued++;
  }
  redisAppendCommand(c, "EXEC");
  queued++;
  int rc = 0;
  for (int i = 0; i < queued; i++) {
    redisReply* rep = NULL;
    if (redisGetReply(c, (void**)&rep) != REDIS_OK || !rep) {
      snprintf(err, err_len, "writer: %s", c->errstr);
      th_writer_reset(r);
      return -1;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
      snprintf(err, err_len, "writer: %s", rep->str);
      rc = -1;
    }
    if (i == queued - 1 && rep->type == REDIS_REPLY_ARRAY) {
      for (size_t k = 0; k < rep->elements; k++)
        if (rep->element[k]->type == REDIS_REPLY_ERROR) {
          snprintf(err, err_len, "writer EXEC: %s", rep->element[k]->str);
          rc = -1;
        }
    } else if (i == queued - 1) {
      snprintf(err, err_len, "writer: EXEC did not return an array");
      rc = -1;
    }
    freeReplyObject(rep);
  }
  if (p->db > 0) th_writer_reset(r); /* do not leave the writer on another db */
  return rc;
}

void th_publish_ex(th_redis* r, const th_pub* p) {
  char err[512] = "";
  int rc = th_try_publish(r, p, err, sizeof err);
  cr_assert_eq(rc, 0, "publish v%lld failed: %s", (long long)p->version, err);
}

void th_publish(th_redis* r, const char* json, int64_t version) {
  th_pub p = {0};
  p.json = json;
  p.version = version;
  th_publish_ex(r, &p);
}

void th_publish_meta(th_redis* r, const char* json, int64_t version, const char* epoch) {
  th_pub p = {0};
  p.json = json;
  p.version = version;
  p.with_meta = 1;
  p.epoch = epoch;
  th_publish_ex(r, &p);
}
