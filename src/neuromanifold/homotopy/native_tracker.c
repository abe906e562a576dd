/* The native path tracker: the same predictor, corrector and step rule as the JAX backend
 * (neuromanifold/homotopy/tracker.py), over groups of W paths in lock step.
 *
 * This file is completed by a prologue that defines NZ (unknowns), NP (parameters), W (lanes), the
 * vector type vd and the kernels of one system: generated C (neuromanifold/homotopy/codegen.py) or
 * the interpreter of native_interp.c; H holds the data-only values (and, for the interpreter, the
 * constants), computed once per call:
 *   kF(zR, zI, pR, pI, H, prog, FR, FI)                 F(z; p)
 *   kJV(zR, zI, pR, pI, vR, vI, H, prog, JR, JI, FvR, FvI)  F_z (row-major) and F_p v
 * (prog: the bytecode when the kernels are the interpreter of native_interp.c, else unused)
 * Each lane of a vd is one path; every operation is lane-wise IEEE arithmetic (no fast-math), so a
 * path's numbers do not depend on its lane, its group or the number of threads.  Lanes whose path
 * has ended are refilled from a shared queue (an atomic counter).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef long long vl __attribute__((vector_size(8 * W)));

enum { TRACKING = 0, SUCCESS = 1, DIVERGED = 2, UNDERFLOW = 3, SINGULAR = 4, MAX_STEPS = 5 };

static inline vd vsel(vl m, vd a, vd b) { return (vd)(((vl)a & m) | ((vl)b & ~m)); }
static inline vl vsel_l(vl m, vl a, vl b) { return (a & m) | (b & ~m); }
static inline vd splat(double x) { return (vd){0} + x; }
static inline vl splat_l(long long x) { return (vl){0} + x; }

/* LU with partial pivoting per lane: rows are swapped by masks, piv[j] holds each lane's pivot
 * row of step j (Golub--Van Loan alg. 3.4.1).  A singular lane gets non-finite factors. */
static void lu_factor(vd *AR, vd *AI, vl *piv) {
  for (int j = 0; j < NZ; j++) {
    vd best = AR[j * NZ + j] * AR[j * NZ + j] + AI[j * NZ + j] * AI[j * NZ + j];
    vl p = splat_l(j);
    for (int r = j + 1; r < NZ; r++) {
      vd a = AR[r * NZ + j] * AR[r * NZ + j] + AI[r * NZ + j] * AI[r * NZ + j];
      vl gt = (vl)(a > best);
      best = vsel(gt, a, best);
      p = vsel_l(gt, splat_l(r), p);
    }
    piv[j] = p;
    for (int r = j + 1; r < NZ; r++) {
      vl m = (vl)(p == splat_l(r));
      for (int c = 0; c < NZ; c++) {
        vd xr = AR[j * NZ + c], xi = AI[j * NZ + c], yr = AR[r * NZ + c], yi = AI[r * NZ + c];
        AR[j * NZ + c] = vsel(m, yr, xr); AI[j * NZ + c] = vsel(m, yi, xi);
        AR[r * NZ + c] = vsel(m, xr, yr); AI[r * NZ + c] = vsel(m, xi, yi);
      }
    }
    vd dr = AR[j * NZ + j], di = AI[j * NZ + j];
    vd den = dr * dr + di * di;
    vd ir = dr / den, ii = -di / den;
    for (int r = j + 1; r < NZ; r++) {
      vd ar = AR[r * NZ + j], ai = AI[r * NZ + j];
      vd lr = ar * ir - ai * ii, li = ar * ii + ai * ir;
      AR[r * NZ + j] = lr; AI[r * NZ + j] = li;
      for (int c = j + 1; c < NZ; c++) {
        vd ur = AR[j * NZ + c], ui = AI[j * NZ + c];
        AR[r * NZ + c] -= lr * ur - li * ui;
        AI[r * NZ + c] -= lr * ui + li * ur;
      }
    }
  }
}

/* x = M^{-1} b in place, from lu_factor(M). */
static void lu_solve(const vd *AR, const vd *AI, const vl *piv, vd *bR, vd *bI) {
  for (int j = 0; j < NZ; j++) {
    for (int r = j + 1; r < NZ; r++) {
      vl m = (vl)(piv[j] == splat_l(r));
      vd xr = bR[j], xi = bI[j];
      bR[j] = vsel(m, bR[r], xr); bI[j] = vsel(m, bI[r], xi);
      bR[r] = vsel(m, xr, bR[r]); bI[r] = vsel(m, xi, bI[r]);
    }
  }
  for (int i = 0; i < NZ; i++)
    for (int k = 0; k < i; k++) {
      bR[i] -= AR[i * NZ + k] * bR[k] - AI[i * NZ + k] * bI[k];
      bI[i] -= AR[i * NZ + k] * bI[k] + AI[i * NZ + k] * bR[k];
    }
  for (int i = NZ - 1; i >= 0; i--) {
    vd vr = bR[i], vi = bI[i];
    for (int k = i + 1; k < NZ; k++) {
      vr -= AR[i * NZ + k] * bR[k] - AI[i * NZ + k] * bI[k];
      vi -= AR[i * NZ + k] * bI[k] + AI[i * NZ + k] * bR[k];
    }
    vd dr = AR[i * NZ + i], di = AI[i * NZ + i], den = dr * dr + di * di;
    bR[i] = (vr * dr + vi * di) / den;
    bI[i] = (vi * dr - vr * di) / den;
  }
}

static inline vd norm2(const vd *R, const vd *I) {
  vd s = splat(0.0);
  for (int i = 0; i < NZ; i++) s += R[i] * R[i] + I[i] * I[i];
  vd out;
  for (int l = 0; l < W; l++) out[l] = sqrt(s[l]);
  return out;
}

/* The work of one call. Complex arrays are interleaved (re, im) as numpy's complex128. */
typedef struct {
  int64_t k;
  const double *z0;             /* (k, NZ) starts */
  const double *vert[4];        /* the polyline's vertices: (NP,) shared or (k, NP) per path */
  int64_t vstride[4];           /* 0 (shared) or NP */
  double knots[4];
  double gr, gi;                /* gamma of the arcs */
  double tol, trust, min_step, max_steps, diverge, initial_step, end_zone;
  const double *H;
  double *zout;                 /* (k, NZ) */
  int32_t *status, *steps;
  double *tend;                 /* (k,) the t each path reached */
  const void *prog;             /* the interpreter's bytecode (unused by compiled kernels) */
  int64_t next;                 /* the queue (atomic) */
  int64_t done;                 /* finished paths (atomic), for progress */
} job_t;

typedef struct {
  vd zR[NZ], zI[NZ];
  vd AR[NP], AI[NP], DR[NP], DI[NP];  /* the lane's segment: p = A + w D */
  double t[W], h[W];
  int64_t path[W];
  int seg[W], steps[W], active[W];
} group_t;

static int segment_of(const job_t *J, double t) {
  int s = 0;
  for (int i = 1; i < 3; i++)
    if (t >= J->knots[i] && J->knots[i + 1] > J->knots[i]) s = i;
  return s;
}

static void load_segment(const job_t *J, group_t *G, int l, int s) {
  const double *a = J->vert[s] + 2 * J->vstride[s] * G->path[l];
  const double *b = J->vert[s + 1] + 2 * J->vstride[s + 1] * G->path[l];
  for (int j = 0; j < NP; j++) {
    G->AR[j][l] = a[2 * j]; G->AI[j][l] = a[2 * j + 1];
    G->DR[j][l] = b[2 * j] - a[2 * j]; G->DI[j][l] = b[2 * j + 1] - a[2 * j + 1];
  }
  G->seg[l] = s;
}

/* p and dp/dt at per-lane times on each lane's own segment (the gamma-arc of that segment). */
static void param_at(const job_t *J, const group_t *G, const double *tt, vd *pR, vd *pI, vd *dR, vd *dI) {
  vd wr, wi, dwr, dwi;
  for (int l = 0; l < W; l++) {
    int s = G->seg[l];
    double start = J->knots[s], len = J->knots[s + 1] - J->knots[s];
    if (len < 1e-300) len = 1e-300;
    double tau = (tt[l] - start) / len;
    tau = tau < 0.0 ? 0.0 : (tau > 1.0 ? 1.0 : tau);
    double der = J->gr * (1.0 - tau) + tau, dei = J->gi * (1.0 - tau);
    double dd = der * der + dei * dei;
    wr[l] = tau * der / dd; wi[l] = -tau * dei / dd;           /* tau / den */
    double d2r = der * der - dei * dei, d2i = 2.0 * der * dei;  /* den^2 */
    double d2 = d2r * d2r + d2i * d2i;
    double gr = (J->gr * d2r + J->gi * d2i) / d2, gi = (J->gi * d2r - J->gr * d2i) / d2;
    dwr[l] = gr / len; dwi[l] = gi / len;                        /* gamma / den^2 / len */
  }
  for (int j = 0; j < NP; j++) {
    pR[j] = G->AR[j] + wr * G->DR[j] - wi * G->DI[j];
    pI[j] = G->AI[j] + wr * G->DI[j] + wi * G->DR[j];
    if (dR) {
      dR[j] = dwr * G->DR[j] - dwi * G->DI[j];
      dI[j] = dwr * G->DI[j] + dwi * G->DR[j];
    }
  }
}

/* dz/dt = -F_z^{-1} F_p p'(t); the LU factors are kept in (LR, LI, piv). */
static void velocity(const job_t *J, const vd *zR, const vd *zI, const vd *pR, const vd *pI,
                     const vd *dR, const vd *dI, vd *kR, vd *kI, vd *LR, vd *LI, vl *piv) {
  kJV(zR, zI, pR, pI, dR, dI, J->H, J->prog, LR, LI, kR, kI);
  lu_factor(LR, LI, piv);
  lu_solve(LR, LI, piv, kR, kI);
  for (int i = 0; i < NZ; i++) { kR[i] = -kR[i]; kI[i] = -kI[i]; }
}

static int refill(job_t *J, group_t *G, int l) {
  int64_t i = __atomic_fetch_add(&J->next, 1, __ATOMIC_RELAXED);
  if (i >= J->k) { G->active[l] = 0; return 0; }
  G->path[l] = i;
  for (int c = 0; c < NZ; c++) { G->zR[c][l] = J->z0[2 * (i * NZ + c)]; G->zI[c][l] = J->z0[2 * (i * NZ + c) + 1]; }
  G->t[l] = 0.0; G->h[l] = J->initial_step; G->steps[l] = 0; G->active[l] = 1;
  load_segment(J, G, l, 0);
  return 1;
}

static void finish(job_t *J, group_t *G, int l, int status) {
  int64_t i = G->path[l];
  for (int c = 0; c < NZ; c++) { J->zout[2 * (i * NZ + c)] = G->zR[c][l]; J->zout[2 * (i * NZ + c) + 1] = G->zI[c][l]; }
  J->status[i] = status; J->steps[i] = G->steps[l]; J->tend[i] = G->t[l];
  __atomic_fetch_add(&J->done, 1, __ATOMIC_RELAXED);
}

/* An idle lane copies a live lane, so that its arithmetic stays finite (its results are unused). */
static void idle_copy(group_t *G, int l, int from) {
  for (int c = 0; c < NZ; c++) { G->zR[c][l] = G->zR[c][from]; G->zI[c][l] = G->zI[c][from]; }
  for (int j = 0; j < NP; j++) {
    G->AR[j][l] = G->AR[j][from]; G->AI[j][l] = G->AI[j][from];
    G->DR[j][l] = G->DR[j][from]; G->DI[j][l] = G->DI[j][from];
  }
  G->t[l] = G->t[from]; G->h[l] = G->h[from]; G->seg[l] = G->seg[from];
}

static void *worker(void *arg) {
  job_t *J = (job_t *)arg;
  group_t *G = aligned_alloc(64, (sizeof(group_t) + 63) / 64 * 64);
  if (!G) return NULL;
  memset(G, 0, sizeof(group_t));
  int live = 0;
  for (int l = 0; l < W; l++) live += refill(J, G, l);
  vd pR[NP], pI[NP], dR[NP], dI[NP], qR[NP], qI[NP], eR[NP], eI[NP];
  vd k1R[NZ], k1I[NZ], k2R[NZ], k2I[NZ], k3R[NZ], k3I[NZ], k4R[NZ], k4I[NZ], yR[NZ], yI[NZ];
  vd LR[NZ * NZ], LI[NZ * NZ], FR[NZ], FI[NZ];
  vl piv[NZ];
  double hs[W], tm[W], te[W], knot[W];
  int clamped[W];
  while (live > 0) {
    int first = -1;
    for (int l = 0; l < W; l++) if (G->active[l]) { first = l; break; }
    for (int l = 0; l < W; l++) {
      if (!G->active[l]) idle_copy(G, l, first);
      int s = segment_of(J, G->t[l]);
      if (s != G->seg[l]) load_segment(J, G, l, s);
      knot[l] = J->knots[s + 1];
      clamped[l] = G->h[l] >= knot[l] - G->t[l];
      hs[l] = clamped[l] ? knot[l] - G->t[l] : G->h[l];
      te[l] = clamped[l] ? knot[l] : G->t[l] + hs[l];
      tm[l] = G->t[l] + 0.5 * hs[l];
    }
    vd H = {0};
    for (int l = 0; l < W; l++) H[l] = hs[l];
    /* RK4; every stage on the segment where the step starts (the step never crosses a knot) */
    param_at(J, G, G->t, pR, pI, dR, dI);
    velocity(J, G->zR, G->zI, pR, pI, dR, dI, k1R, k1I, LR, LI, piv);
    param_at(J, G, tm, pR, pI, dR, dI);
    for (int i = 0; i < NZ; i++) { yR[i] = G->zR[i] + 0.5 * H * k1R[i]; yI[i] = G->zI[i] + 0.5 * H * k1I[i]; }
    velocity(J, yR, yI, pR, pI, dR, dI, k2R, k2I, LR, LI, piv);
    for (int i = 0; i < NZ; i++) { yR[i] = G->zR[i] + 0.5 * H * k2R[i]; yI[i] = G->zI[i] + 0.5 * H * k2I[i]; }
    velocity(J, yR, yI, pR, pI, dR, dI, k3R, k3I, LR, LI, piv);
    param_at(J, G, te, qR, qI, eR, eI);
    for (int i = 0; i < NZ; i++) { yR[i] = G->zR[i] + H * k3R[i]; yI[i] = G->zI[i] + H * k3I[i]; }
    velocity(J, yR, yI, qR, qI, eR, eI, k4R, k4I, LR, LI, piv);
    for (int i = 0; i < NZ; i++) {
      yR[i] = G->zR[i] + (H / 6.0) * (k1R[i] + 2.0 * k2R[i] + 2.0 * k3R[i] + k4R[i]);
      yI[i] = G->zI[i] + (H / 6.0) * (k1I[i] + 2.0 * k2I[i] + 2.0 * k3I[i] + k4I[i]);
    }
    /* two chord-Newton corrections at p(t + h) with the LU factors of the last stage */
    kF(yR, yI, qR, qI, J->H, J->prog, FR, FI);
    lu_solve(LR, LI, piv, FR, FI);
    vd n1 = norm2(FR, FI);
    for (int i = 0; i < NZ; i++) { yR[i] -= FR[i]; yI[i] -= FI[i]; }
    kF(yR, yI, qR, qI, J->H, J->prog, FR, FI);
    lu_solve(LR, LI, piv, FR, FI);
    vd n2 = norm2(FR, FI);
    for (int i = 0; i < NZ; i++) { yR[i] -= FR[i]; yI[i] -= FI[i]; }
    vd nz = norm2(yR, yI);
    for (int l = 0; l < W; l++) {
      if (!G->active[l]) continue;
      double scale = 1.0 + nz[l];
      int finite = isfinite(n1[l]) && isfinite(n2[l]) && isfinite(nz[l]);
      int converged = n2[l] <= 1e-11 * scale;
      int ok = finite && n1[l] <= J->trust * scale && (n2[l] <= 0.25 * n1[l] || converged);
      double n1c = n1[l] > 1e-300 ? n1[l] : 1e-300;
      double grow = 0.8 * pow(J->tol * scale / n1c, 0.2);
      grow = grow < 0.5 ? 0.5 : (grow > 2.0 ? 2.0 : grow);
      if (!isfinite(grow)) grow = 0.5;
      double new_h = ok ? (clamped[l] ? fmax(G->h[l], hs[l] * grow) : hs[l] * grow) : 0.5 * hs[l];
      int status = TRACKING;
      if (ok) {
        for (int i = 0; i < NZ; i++) { G->zR[i][l] = yR[i][l]; G->zI[i][l] = yI[i][l]; }
        double t = te[l];
        if (1.0 - t < 1e-15) t = 1.0;
        G->t[l] = t;
        if (t >= 1.0) status = SUCCESS;
        if (nz[l] > J->diverge) status = DIVERGED;
      } else if (new_h < J->min_step) {
        /* within the end zone the path has arrived at a singular end point (which stops the steps) */
        status = 1.0 - G->t[l] <= J->end_zone ? SINGULAR : UNDERFLOW;
      }
      G->h[l] = new_h;
      G->steps[l] += 1;
      if (status == TRACKING && G->steps[l] >= J->max_steps) status = MAX_STEPS;
      if (status != TRACKING) {
        finish(J, G, l, status);
        live -= 1;
        live += refill(J, G, l);
      }
    }
  }
  free(G);
  return NULL;
}

static void run_threads(void *(*fn)(void *), void *job, int threads) {
  if (threads <= 1) { fn(job); return; }
  pthread_t *ids = malloc(sizeof(pthread_t) * threads);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  /* the interpreter keeps its vector slots on the stack: give the threads room (reserved, not used) */
  pthread_attr_setstacksize(&attr, (size_t)256 << 20);
  int started = 0;
  for (int i = 0; i < threads; i++)
    if (pthread_create(&ids[i], &attr, fn, job) == 0) started++;
    else break;
  pthread_attr_destroy(&attr);
  if (started == 0) fn(job);
  for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
  free(ids);
}


__attribute__((visibility("default"))) int nm_track(job_t *J, int threads) {
  run_threads(worker, J, threads);
  return 0;
}

__attribute__((visibility("default"))) int nm_job_size(void) { return (int)sizeof(job_t); }

/* Newton's method at fixed parameters on k points (no safeguards: end-point polishing), then
 * F and F_z at the result.  P: (NP,) shared (pstride 0) or (k, NP). */
typedef struct {
  int64_t k;
  const double *z;
  const double *P;
  int64_t pstride;
  int iterations;
  const double *H;
  const void *prog;
  double *zout, *F, *Jac;
  int64_t next;
} polish_t;

static void *polish_worker(void *arg) {
  polish_t *Q = (polish_t *)arg;
  vd zR[NZ], zI[NZ], pR[NP], pI[NP], vR[NP], vI[NP], FR[NZ], FI[NZ], LR[NZ * NZ], LI[NZ * NZ], dR[NZ], dI[NZ];
  vl piv[NZ];
  for (int j = 0; j < NP; j++) { vR[j] = splat(0.0); vI[j] = splat(0.0); }
  for (;;) {
    int64_t a = __atomic_fetch_add(&Q->next, W, __ATOMIC_RELAXED);
    if (a >= Q->k) break;
    int64_t idx[W];
    for (int l = 0; l < W; l++) idx[l] = a + l < Q->k ? a + l : Q->k - 1;
    for (int l = 0; l < W; l++) {
      for (int c = 0; c < NZ; c++) { zR[c][l] = Q->z[2 * (idx[l] * NZ + c)]; zI[c][l] = Q->z[2 * (idx[l] * NZ + c) + 1]; }
      const double *p = Q->P + 2 * Q->pstride * idx[l];
      for (int j = 0; j < NP; j++) { pR[j][l] = p[2 * j]; pI[j][l] = p[2 * j + 1]; }
    }
    for (int it = 0; it <= Q->iterations; it++) {
      kJV(zR, zI, pR, pI, vR, vI, Q->H, Q->prog, LR, LI, dR, dI);
      kF(zR, zI, pR, pI, Q->H, Q->prog, FR, FI);
      if (it == Q->iterations) break;
      lu_factor(LR, LI, piv);
      lu_solve(LR, LI, piv, FR, FI);
      for (int i = 0; i < NZ; i++) { zR[i] -= FR[i]; zI[i] -= FI[i]; }
    }
    for (int l = 0; l < W && a + l < Q->k; l++) {
      int64_t i = a + l;
      for (int c = 0; c < NZ; c++) {
        Q->zout[2 * (i * NZ + c)] = zR[c][l]; Q->zout[2 * (i * NZ + c) + 1] = zI[c][l];
        Q->F[2 * (i * NZ + c)] = FR[c][l]; Q->F[2 * (i * NZ + c) + 1] = FI[c][l];
      }
      for (int e = 0; e < NZ * NZ; e++) { Q->Jac[2 * (i * NZ * NZ + e)] = LR[e][l]; Q->Jac[2 * (i * NZ * NZ + e) + 1] = LI[e][l]; }
    }
  }
  return NULL;
}

__attribute__((visibility("default"))) int nm_polish(polish_t *Q, int threads) {
  run_threads(polish_worker, Q, threads);
  return 0;
}

__attribute__((visibility("default"))) int nm_polish_size(void) { return (int)sizeof(polish_t); }
