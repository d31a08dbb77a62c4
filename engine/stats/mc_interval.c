/* mc_interval.c — confidence intervals: Wilson score interval for a proportion, and the
 * Fay-Feuer gamma interval for a directly standardised rate (needs the inverse of the
 * regularised incomplete gamma function, computed here by bisection on P(a, x)). */
#include "stats/mc_stats.h"
#include <math.h>

void mc_wilson(uint64_t x, uint64_t n, double *lo, double *hi)
{
    /* Wilson (1927): (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) */
    const double z = MC_Z95, z2 = z * z;
    double nn = (double)n, p = (double)x / nn;
    double den = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / den;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / den;
    *lo = x == 0 ? 0.0 : centre - half;
    *hi = x == n ? 1.0 : centre + half;
}

void mc_wilson_n(double p, double n, double *lo, double *hi)
{
    const double z = MC_Z95, z2 = z * z;
    double den = 1.0 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / den;
    double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;
    *lo = p <= 0.0 ? 0.0 : centre - half;
    *hi = p >= 1.0 ? 1.0 : centre + half;
}

/* Regularised lower incomplete gamma P(a, x): series for x < a + 1, Lentz continued
 * fraction for Q otherwise (Numerical Recipes, 3rd ed., 6.2). */
static double gammp(double a, double x)
{
    if (x <= 0) return 0.0;
    double gln = lgamma(a);
    if (x < a + 1.0) {
        double ap = a, sum = 1.0 / a, del = sum;
        for (int n = 0; n < 100000; n++) {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16) break;
        }
        return sum * exp(-x + a * log(x) - gln);
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return 1.0 - exp(-x + a * log(x) - gln) * h;
}

double mc_gamma_inv(double a, double p)
{
    double lo = 0.0, hi = a > 1 ? a : 1.0;
    while (gammp(a, hi) < p) { lo = hi; hi *= 2.0; }
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (gammp(a, mid) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

int mc_dsr(int k, const double *w, const uint64_t *x, const uint64_t *n, double *rate, double *lo, double *hi)
{
    /* Fay MP, Feuer EJ. Confidence intervals for directly standardized rates: a method
     * based on the gamma distribution. Stat Med 1997;16:791-801. */
    double y = 0, v = 0, wm = 0;
    for (int i = 0; i < k; i++) {
        if (w[i] <= 0) continue;
        if (!n[i]) return -1;
        double wi = w[i] / (double)n[i];
        y += wi * (double)x[i];
        v += wi * wi * (double)x[i];
        if (wi > wm) wm = wi;
    }
    const double alpha = 0.05;
    *rate = y;
    *lo = y > 0 ? mc_gamma_inv(y * y / v, alpha / 2) * (v / y) : 0.0;
    double yu = y + wm, vu = v + wm * wm;
    *hi = mc_gamma_inv(yu * yu / vu, 1 - alpha / 2) * (vu / yu);
    return 0;
}
