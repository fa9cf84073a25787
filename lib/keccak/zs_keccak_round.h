/* The Keccak-f[1600] permutation written once, for any lane type.

   Internal to lib/keccak.  The including file defines:
     KT               the lane type (uint64_t, __m256i, __m512i)
     KXOR(a, b)       a ^ b
     KXOR5(a,b,c,d,e) a ^ b ^ c ^ d ^ e
     KROL(a, n)       a rotated left by n (1 <= n <= 63)
     KCHI(a, b, c)    a ^ (~b & c)
     KRC(i)           round constant i as a KT
     KFUNC            the name of the function to define
   and gets `static void KFUNC(KT s[25])`.

   Lanes are named as in the Keccak team's reference code: the first letter
   after A/E is the row (b, g, k, m, s = y 0..4), the second the column
   (a, e, i, o, u = x 0..4); lane (x, y) is s[x + 5y].  Each loop iteration
   computes two rounds, A -> E -> A, so no lanes are copied between rounds. */

#define KROUND(A, E, i)                                                                  \
    do {                                                                                 \
        KT Ca = KXOR5(A##ba, A##ga, A##ka, A##ma, A##sa);                                 \
        KT Ce = KXOR5(A##be, A##ge, A##ke, A##me, A##se);                                 \
        KT Ci = KXOR5(A##bi, A##gi, A##ki, A##mi, A##si);                                 \
        KT Co = KXOR5(A##bo, A##go, A##ko, A##mo, A##so);                                 \
        KT Cu = KXOR5(A##bu, A##gu, A##ku, A##mu, A##su);                                 \
        KT Da = KXOR(Cu, KROL(Ce, 1));                                                   \
        KT De = KXOR(Ca, KROL(Ci, 1));                                                   \
        KT Di = KXOR(Ce, KROL(Co, 1));                                                   \
        KT Do = KXOR(Ci, KROL(Cu, 1));                                                   \
        KT Du = KXOR(Co, KROL(Ca, 1));                                                   \
        KT Ba, Be, Bi, Bo, Bu;                                                           \
        Ba = KXOR(A##ba, Da);                                                            \
        Be = KROL(KXOR(A##ge, De), 44);                                                  \
        Bi = KROL(KXOR(A##ki, Di), 43);                                                  \
        Bo = KROL(KXOR(A##mo, Do), 21);                                                  \
        Bu = KROL(KXOR(A##su, Du), 14);                                                  \
        E##ba = KXOR(KCHI(Ba, Be, Bi), KRC(i));                                          \
        E##be = KCHI(Be, Bi, Bo);                                                        \
        E##bi = KCHI(Bi, Bo, Bu);                                                        \
        E##bo = KCHI(Bo, Bu, Ba);                                                        \
        E##bu = KCHI(Bu, Ba, Be);                                                        \
        Ba = KROL(KXOR(A##bo, Do), 28);                                                  \
        Be = KROL(KXOR(A##gu, Du), 20);                                                  \
        Bi = KROL(KXOR(A##ka, Da), 3);                                                   \
        Bo = KROL(KXOR(A##me, De), 45);                                                  \
        Bu = KROL(KXOR(A##si, Di), 61);                                                  \
        E##ga = KCHI(Ba, Be, Bi);                                                        \
        E##ge = KCHI(Be, Bi, Bo);                                                        \
        E##gi = KCHI(Bi, Bo, Bu);                                                        \
        E##go = KCHI(Bo, Bu, Ba);                                                        \
        E##gu = KCHI(Bu, Ba, Be);                                                        \
        Ba = KROL(KXOR(A##be, De), 1);                                                   \
        Be = KROL(KXOR(A##gi, Di), 6);                                                   \
        Bi = KROL(KXOR(A##ko, Do), 25);                                                  \
        Bo = KROL(KXOR(A##mu, Du), 8);                                                   \
        Bu = KROL(KXOR(A##sa, Da), 18);                                                  \
        E##ka = KCHI(Ba, Be, Bi);                                                        \
        E##ke = KCHI(Be, Bi, Bo);                                                        \
        E##ki = KCHI(Bi, Bo, Bu);                                                        \
        E##ko = KCHI(Bo, Bu, Ba);                                                        \
        E##ku = KCHI(Bu, Ba, Be);                                                        \
        Ba = KROL(KXOR(A##bu, Du), 27);                                                  \
        Be = KROL(KXOR(A##ga, Da), 36);                                                  \
        Bi = KROL(KXOR(A##ke, De), 10);                                                  \
        Bo = KROL(KXOR(A##mi, Di), 15);                                                  \
        Bu = KROL(KXOR(A##so, Do), 56);                                                  \
        E##ma = KCHI(Ba, Be, Bi);                                                        \
        E##me = KCHI(Be, Bi, Bo);                                                        \
        E##mi = KCHI(Bi, Bo, Bu);                                                        \
        E##mo = KCHI(Bo, Bu, Ba);                                                        \
        E##mu = KCHI(Bu, Ba, Be);                                                        \
        Ba = KROL(KXOR(A##bi, Di), 62);                                                  \
        Be = KROL(KXOR(A##go, Do), 55);                                                  \
        Bi = KROL(KXOR(A##ku, Du), 39);                                                  \
        Bo = KROL(KXOR(A##ma, Da), 41);                                                  \
        Bu = KROL(KXOR(A##se, De), 2);                                                   \
        E##sa = KCHI(Ba, Be, Bi);                                                        \
        E##se = KCHI(Be, Bi, Bo);                                                        \
        E##si = KCHI(Bi, Bo, Bu);                                                        \
        E##so = KCHI(Bo, Bu, Ba);                                                        \
        E##su = KCHI(Bu, Ba, Be);                                                        \
    } while (0)

#define KLANES(P)                                                                        \
    KT P##ba, P##be, P##bi, P##bo, P##bu, P##ga, P##ge, P##gi, P##go, P##gu, P##ka, P##ke, \
        P##ki, P##ko, P##ku, P##ma, P##me, P##mi, P##mo, P##mu, P##sa, P##se, P##si, P##so, \
        P##su

#define KMOVE(D, S)                                                                      \
    do {                                                                                 \
        D##ba = S[0]; D##be = S[1]; D##bi = S[2]; D##bo = S[3]; D##bu = S[4];            \
        D##ga = S[5]; D##ge = S[6]; D##gi = S[7]; D##go = S[8]; D##gu = S[9];            \
        D##ka = S[10]; D##ke = S[11]; D##ki = S[12]; D##ko = S[13]; D##ku = S[14];       \
        D##ma = S[15]; D##me = S[16]; D##mi = S[17]; D##mo = S[18]; D##mu = S[19];       \
        D##sa = S[20]; D##se = S[21]; D##si = S[22]; D##so = S[23]; D##su = S[24];       \
    } while (0)

#define KSTORE(S, D)                                                                     \
    do {                                                                                 \
        S[0] = D##ba; S[1] = D##be; S[2] = D##bi; S[3] = D##bo; S[4] = D##bu;            \
        S[5] = D##ga; S[6] = D##ge; S[7] = D##gi; S[8] = D##go; S[9] = D##gu;            \
        S[10] = D##ka; S[11] = D##ke; S[12] = D##ki; S[13] = D##ko; S[14] = D##ku;       \
        S[15] = D##ma; S[16] = D##me; S[17] = D##mi; S[18] = D##mo; S[19] = D##mu;       \
        S[20] = D##sa; S[21] = D##se; S[22] = D##si; S[23] = D##so; S[24] = D##su;       \
    } while (0)

static void KFUNC(KT s[25])
{
    KLANES(A);
    KLANES(E);
    KMOVE(A, s);
    for (int round = 0; round < 24; round += 2) {
        KROUND(A, E, round);
        KROUND(E, A, round + 1);
    }
    KSTORE(s, A);
}

#undef KROUND
#undef KLANES
#undef KMOVE
#undef KSTORE
