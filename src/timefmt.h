/* timefmt.h - event time: RFC 3339 timestamps as milliseconds since the epoch. */
#ifndef OX_TIMEFMT_H
#define OX_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since 1970-01-01T00:00:00Z. */
typedef int64_t ox_time;
#define OX_TIME_NONE INT64_MIN
#define OX_TIME_MAX INT64_MAX

#define OX_MS_SECOND INT64_C(1000)
#define OX_MS_MINUTE (60 * OX_MS_SECOND)
#define OX_MS_HOUR (60 * OX_MS_MINUTE)
#define OX_MS_DAY (24 * OX_MS_HOUR)

/* Parse an RFC 3339 timestamp with a mandatory offset ("Z" or "+08:00") and
 * at most millisecond precision: "2026-11-11T00:00:01.123+08:00". Calendar
 * fields are range-checked (day of month, leap years). Returns 0 or -1. */
int ox_time_parse(const char *s, size_t n, ox_time *out);

/* Format as "2026-11-11T10:16:00.000+08:00" in the given UTC offset
 * (minutes; ordex reports in China Standard Time, +480). Offset 0 prints
 * "Z"; an instant outside years 0000..9999 (OX_TIME_NONE, OX_TIME_MAX)
 * prints "-". */
#define OX_TIME_BUFSZ 40
#define OX_TZ_CST 480
char *ox_time_format(ox_time t, int offset_minutes, char out[OX_TIME_BUFSZ]);

/* Append t to b as a JSON string in China Standard Time, or null for
 * OX_TIME_NONE: how every ordex output writes a time. -1 (b unchanged)
 * over b's maximum. */
struct ox_buf;
int ox_time_json(struct ox_buf *b, ox_time t);

/* Parse a duration "90s", "15m", "72h", "2d", "500ms" or a combination
 * "1h30m". Returns 0 or -1. */
int ox_duration_parse(const char *s, size_t n, int64_t *ms);
/* Format a duration compactly: "15m", "72h", "1h30m", "0s". */
#define OX_DUR_BUFSZ 48
char *ox_duration_format(int64_t ms, char out[OX_DUR_BUFSZ]);

#endif
