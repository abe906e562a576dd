/* The kernels kF and kJV of native_tracker.c as an interpreter of a system's straight-line program
 * (bytecode made by neuromanifold/homotopy/bytecode.py), over the same W lanes.
 *
 * One library serves every system with NZ unknowns and NP parameters: nothing is compiled per
 * system, so a new system is ready at once, while its compiled kernels are built in the
 * background.  Each instruction does exactly the arithmetic of the generated C (same formulas,
 * same order, no contraction into fused multiply-adds), so both give the same numbers bit for bit.
 *
 * Vector slots: 0..NZ-1 hold z, NZ..NZ+NP-1 p, NZ+NP..NZ+2NP-1 the direction v, then the nodes
 * (slots are reused once a node is dead).  Scalars (data-only nodes and constants) are read from
 * H as complex numbers.  An instruction is four int32: op, destination slot, a, b.
 */
#include <stdint.h>

enum {
  OP_ADD = 0, OP_SUB, OP_MUL, OP_DIV, OP_NEG,           /* vector op vector */
  OP_ADDS, OP_SUBVS, OP_SUBSV, OP_MULS, OP_DIVVS, OP_DIVSV  /* a vector and the scalar H[b] or H[a] */
};

typedef struct {
  int32_t nslots, nF, nJV;
  const int32_t *F, *JV;        /* instructions */
  const int32_t *outF, *outJV;  /* per output: kind (0 slot, 1 scalar, 2 zero), index */
} prog_t;

static void interpret(const prog_t *P, const int32_t *code, int32_t n, const vd *zR, const vd *zI,
                      const vd *pR, const vd *pI, const vd *vR, const vd *vI, const double *H,
                      vd *restrict R, vd *restrict I) {
  for (int i = 0; i < NZ; i++) { R[i] = zR[i]; I[i] = zI[i]; }
  for (int j = 0; j < NP; j++) { R[NZ + j] = pR[j]; I[NZ + j] = pI[j]; }
  if (vR)
    for (int j = 0; j < NP; j++) { R[NZ + NP + j] = vR[j]; I[NZ + NP + j] = vI[j]; }
  for (int32_t k = 0; k < n; k++) {
    const int32_t *c = code + 4 * k;
    int32_t d = c[1], a = c[2], b = c[3];
    switch (c[0]) {
    case OP_ADD: { vd r = R[a] + R[b], i = I[a] + I[b]; R[d] = r; I[d] = i; break; }
    case OP_SUB: { vd r = R[a] - R[b], i = I[a] - I[b]; R[d] = r; I[d] = i; break; }
    case OP_MUL: {
      vd ar = R[a], ai = I[a], br = R[b], bi = I[b];
      R[d] = ar * br - ai * bi; I[d] = ar * bi + ai * br; break;
    }
    case OP_DIV: {
      vd ar = R[a], ai = I[a], br = R[b], bi = I[b];
      vd den = br * br + bi * bi;
      R[d] = (ar * br + ai * bi) / den; I[d] = (ai * br - ar * bi) / den; break;
    }
    case OP_NEG: { vd r = -R[a], i = -I[a]; R[d] = r; I[d] = i; break; }
    case OP_ADDS: { R[d] = R[a] + H[2 * b]; I[d] = I[a] + H[2 * b + 1]; break; }
    case OP_SUBVS: { R[d] = R[a] - H[2 * b]; I[d] = I[a] - H[2 * b + 1]; break; }
    case OP_SUBSV: { vd r = H[2 * a] - R[b], i = H[2 * a + 1] - I[b]; R[d] = r; I[d] = i; break; }
    case OP_MULS: {
      vd ar = R[a], ai = I[a];
      double br = H[2 * b], bi = H[2 * b + 1];
      R[d] = ar * br - ai * bi; I[d] = ar * bi + ai * br; break;
    }
    case OP_DIVVS: {
      vd ar = R[a], ai = I[a];
      double br = H[2 * b], bi = H[2 * b + 1];
      double den = br * br + bi * bi;
      R[d] = (ar * br + ai * bi) / den; I[d] = (ai * br - ar * bi) / den; break;
    }
    case OP_DIVSV: {
      double ar = H[2 * a], ai = H[2 * a + 1];
      vd br = R[b], bi = I[b];
      vd den = br * br + bi * bi;
      R[d] = (ar * br + ai * bi) / den; I[d] = (ai * br - ar * bi) / den; break;
    }
    }
  }
}

static inline void output(const int32_t *o, const vd *R, const vd *I, const double *H, vd *outR, vd *outI) {
  if (o[0] == 0) { *outR = R[o[1]]; *outI = I[o[1]]; }
  else if (o[0] == 1) { *outR = (vd){0} + H[2 * o[1]]; *outI = (vd){0} + H[2 * o[1] + 1]; }
  else { *outR = (vd){0}; *outI = (vd){0}; }
}

static void kF(const vd *restrict zR, const vd *restrict zI, const vd *restrict pR, const vd *restrict pI,
               const double *restrict H, const void *prog, vd *restrict FR, vd *restrict FI) {
  const prog_t *P = (const prog_t *)prog;
  vd R[P->nslots], I[P->nslots];
  interpret(P, P->F, P->nF, zR, zI, pR, pI, 0, 0, H, R, I);
  for (int i = 0; i < NZ; i++) output(P->outF + 2 * i, R, I, H, FR + i, FI + i);
}

static void kJV(const vd *restrict zR, const vd *restrict zI, const vd *restrict pR, const vd *restrict pI,
                const vd *restrict vR, const vd *restrict vI, const double *restrict H, const void *prog,
                vd *restrict JR, vd *restrict JI, vd *restrict FvR, vd *restrict FvI) {
  const prog_t *P = (const prog_t *)prog;
  vd R[P->nslots], I[P->nslots];
  interpret(P, P->JV, P->nJV, zR, zI, pR, pI, vR, vI, H, R, I);
  for (int e = 0; e < NZ * NZ; e++) output(P->outJV + 2 * e, R, I, H, JR + e, JI + e);
  for (int i = 0; i < NZ; i++) output(P->outJV + 2 * (NZ * NZ + i), R, I, H, FvR + i, FvI + i);
}
