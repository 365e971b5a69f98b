/*
 * sleep.c - /bin/sleep NUMBER[SUFFIX]...: pause for the sum of the durations, as Linux's sleep:
 * NUMBER may have a fraction; SUFFIX is s (seconds, the default), m (minutes), h (hours) or d
 * (days). A wrong argument prints a usage line, exit status 1.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int usage(void)
{
	fprintf(stderr, "usage: sleep NUMBER[s|m|h|d]...\n");
	return 1;
}

int main(int argc, char **argv)
{
	double total = 0;
	struct timespec left;

	if (argc < 2)
		return usage();
	for (int i = 1; i < argc; i++) {
		char *end;
		double v = strtod(argv[i], &end), unit = 1;

		if (end == argv[i] || v < 0 || isnan(v))
			return usage();
		switch (*end) {
		case 0: case 's': break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return usage();
		}
		if (*end && end[1])
			return usage();
		total += v * unit;
	}
	if (total > 1e9)
		total = 1e9; /* some 31 years: "for ever" */
	left.tv_sec = (time_t)total;
	left.tv_nsec = (long)((total - (double)left.tv_sec) * 1e9);
	while (nanosleep(&left, &left) < 0)
		if (errno != EINTR)
			return 1;
	return 0;
}
