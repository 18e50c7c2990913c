/*
 * th_test.h — the test framework of the C suites: Criterion, or (when
 * OMEGA_TEST_SHIM is defined) a small stand-in with the same macros.
 *
 * Why a stand-in: Criterion 2.4.1 cannot start under ThreadSanitizer
 * ("Could not initialize inheritable arena: Resource temporarily
 * unavailable", Criterion issue #274, still open). The TSan build
 * (-DOMEGA_SANITIZE=thread) therefore compiles the very same test sources
 * against this shim: Test/TestSuite registration with .init/.fini/.timeout,
 * the cr_assert and cr_expect macros the suites use, cr_skip_test and
 * cr_log_info. Like Criterion, each test runs in its own forked process with
 * a timeout. See th_shim.c.
 */
#ifndef OMEGA_TH_TEST_H
#define OMEGA_TH_TEST_H

#ifndef OMEGA_TEST_SHIM

#include <criterion/criterion.h>
#include <criterion/logging.h>

#else /* OMEGA_TEST_SHIM */

#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct th_shim_test {
  const char* suite;
  const char* name;
  void (*fn)(void);
  void (*init)(void);
  void (*fini)(void);
  double timeout;
  struct th_shim_test* next;
};

struct th_shim_suite {
  const char* name;
  void (*init)(void);
  void (*fini)(void);
  double timeout;
  struct th_shim_suite* next;
};

void th_shim_register(struct th_shim_test* t);
void th_shim_register_suite(struct th_shim_suite* s);
void th_shim_fail(int fatal, const char* file, int line, const char* expr, const char* fmt, ...)
    __attribute__((format(printf, 5, 6)));
void th_shim_str(int fatal, const char* file, int line, const char* expr, const char* a, const char* b, int want_equal,
                 const char* fmt, ...) __attribute__((format(printf, 8, 9)));
void th_shim_skip(const char* fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void th_shim_log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#define TestSuite(sname, ...)                                                \
  static struct th_shim_suite th_shim_suite_##sname = {#sname, __VA_ARGS__}; \
  __attribute__((constructor)) static void th_shim_suite_reg_##sname(void) { \
    th_shim_register_suite(&th_shim_suite_##sname);                          \
  }                                                                          \
  struct th_shim_dummy_##sname

#define Test(sname, tname, ...)                                                                                   \
  static void sname##_##tname##_impl(void);                                                                       \
  static struct th_shim_test th_shim_t_##sname##_##tname = {#sname, #tname, sname##_##tname##_impl, __VA_ARGS__}; \
  __attribute__((constructor)) static void th_shim_reg_##sname##_##tname(void) {                                  \
    th_shim_register(&th_shim_t_##sname##_##tname);                                                               \
  }                                                                                                               \
  static void sname##_##tname##_impl(void)

#define TH_SHIM_CHECK(fatal, cond, expr, ...)                                \
  do {                                                                       \
    if (!(cond)) th_shim_fail(fatal, __FILE__, __LINE__, expr, __VA_ARGS__); \
  } while (0)

#define cr_assert(c, ...) TH_SHIM_CHECK(1, (c), #c, "" __VA_ARGS__)
#define cr_expect(c, ...) TH_SHIM_CHECK(0, (c), #c, "" __VA_ARGS__)
#define cr_assert_fail(...) th_shim_fail(1, __FILE__, __LINE__, "cr_assert_fail", "" __VA_ARGS__)
#define cr_assert_eq(a, b, ...) TH_SHIM_CHECK(1, (a) == (b), #a " == " #b, "" __VA_ARGS__)
#define cr_expect_eq(a, b, ...) TH_SHIM_CHECK(0, (a) == (b), #a " == " #b, "" __VA_ARGS__)
#define cr_assert_neq(a, b, ...) TH_SHIM_CHECK(1, (a) != (b), #a " != " #b, "" __VA_ARGS__)
#define cr_assert_lt(a, b, ...) TH_SHIM_CHECK(1, (a) < (b), #a " < " #b, "" __VA_ARGS__)
#define cr_assert_leq(a, b, ...) TH_SHIM_CHECK(1, (a) <= (b), #a " <= " #b, "" __VA_ARGS__)
#define cr_assert_gt(a, b, ...) TH_SHIM_CHECK(1, (a) > (b), #a " > " #b, "" __VA_ARGS__)
#define cr_expect_gt(a, b, ...) TH_SHIM_CHECK(0, (a) > (b), #a " > " #b, "" __VA_ARGS__)
#define cr_assert_geq(a, b, ...) TH_SHIM_CHECK(1, (a) >= (b), #a " >= " #b, "" __VA_ARGS__)
#define cr_assert_null(p, ...) TH_SHIM_CHECK(1, (p) == NULL, #p " == NULL", "" __VA_ARGS__)
#define cr_expect_null(p, ...) TH_SHIM_CHECK(0, (p) == NULL, #p " == NULL", "" __VA_ARGS__)
#define cr_assert_not_null(p, ...) TH_SHIM_CHECK(1, (p) != NULL, #p " != NULL", "" __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...) \
  TH_SHIM_CHECK(1, ((a) - (b) <= (eps) && (b) - (a) <= (eps)), #a " ~= " #b, "" __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) th_shim_str(1, __FILE__, __LINE__, #a " == " #b, (a), (b), 1, "" __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) th_shim_str(1, __FILE__, __LINE__, #a " != " #b, (a), (b), 0, "" __VA_ARGS__)
#define cr_skip_test(...) th_shim_skip("" __VA_ARGS__)
#define cr_log_info(...) th_shim_log(__VA_ARGS__)

#endif /* OMEGA_TEST_SHIM */

#endif /* OMEGA_TH_TEST_H */
