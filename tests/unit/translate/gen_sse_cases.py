#!/usr/bin/env python3
# tests/unit/translate/gen_sse_cases.py - generates test_sse_cases.h, the instruction
# forms test_sse.c runs differentially:  python3 gen_sse_cases.py > test_sse_cases.h
# ModRM 0xca is (reg 1, rm 2): xmm1/mm1 op xmm2/mm2; 0x0e is (reg 1, [rsi]).
C = []
def c(name, hexs, fp=False, flags=False):
    b = bytes.fromhex(hexs.replace(' ', ''))
    assert len(b) <= 12
    C.append((name, b, fp, flags))
for op, n in [(0x58,'ADD'),(0x59,'MUL'),(0x5c,'SUB'),(0x5d,'MIN'),(0x5e,'DIV'),(0x5f,'MAX'),(0x51,'SQRT')]:
    for p, s in [('', 'PS'), ('66', 'PD'), ('f3', 'SS'), ('f2', 'SD')]:
        c(n+s, '%s0f%02xca' % (p, op), True)
        c(n+s+' m', '%s0f%02x0e' % (p, op), True)
c('ADDPS xmm9,xmm10', '450f58ca', True)
for n, h in [('RCPPS','0f53ca'),('RCPSS','f30f53ca'),('RSQRTPS','0f52ca'),('RSQRTSS','f30f520e'),
             ('ADDSUBPS','f20fd0ca'),('ADDSUBPD','660fd0ca'),('HADDPS','f20f7cca'),('HADDPD','660f7c0e'),
             ('HSUBPS','f20f7dca'),('HSUBPD','660f7dca')]:
    c(n, h, True)
for imm in [0,1,2,3,4,5,6,7,0x0d]:
    c('CMPPS %d' % imm, '0fc2ca%02x' % imm, True)
for imm in [0,1,3,4,6]:
    c('CMPPD %d' % imm, '660fc2ca%02x' % imm, True)
    c('CMPSS %d' % imm, 'f30fc20e%02x' % imm, True)
    c('CMPSD %d' % imm, 'f20fc2ca%02x' % imm, True)
for n, h in [('COMISS','0f2fca'),('UCOMISS','0f2eca'),('COMISD','660f2fca'),('UCOMISD','660f2e0e')]:
    c(n, h, True, True)
for n, h in [('CVTPS2PD','0f5aca'),('CVTPD2PS','660f5aca'),('CVTSS2SD','f30f5aca'),('CVTSD2SS','f20f5a0e'),
             ('CVTDQ2PS','0f5bca'),('CVTPS2DQ','660f5bca'),('CVTTPS2DQ','f30f5bca'),('CVTDQ2PD','f30fe6ca'),
             ('CVTPD2DQ','f20fe6ca'),('CVTTPD2DQ','660fe6ca'),
             ('CVTSI2SS','f30f2ac8'),('CVTSI2SS q','f3480f2ac8'),('CVTSI2SD','f20f2ac8'),('CVTSI2SD q','f2480f2a0e'),
             ('CVTSS2SI','f30f2dc1'),('CVTSS2SI q','f3480f2dc1'),('CVTTSS2SI','f30f2cc1'),('CVTSD2SI','f20f2dc1'),
             ('CVTSD2SI q','f2480f2d0e'),('CVTTSD2SI q','f2480f2cc1'),
             ('CVTPI2PS','0f2aca'),('CVTPI2PD','660f2aca'),('CVTPS2PI','0f2dca'),('CVTTPS2PI','0f2cca'),
             ('CVTPD2PI','660f2dca'),('CVTTPD2PI','660f2cca'),('CVTPS2PI m','0f2d0e'),
             ('CVTTPD2PI m','660f2c0e'),('CVTPI2PS m','0f2a0e'),('CVTPI2PD m','660f2a0e')]:
    c(n, h, True)
for imm in [0,1,2,3,4,8,9,0xc]:
    c('ROUNDPS %d' % imm, '660f3a08ca%02x' % imm, True)
    c('ROUNDSD %d' % imm, '660f3a0bca%02x' % imm, True)
c('ROUNDPD 5', '660f3a09ca05', True); c('ROUNDSS 2', '660f3a0a0e02', True)
for imm in [0xff, 0x31, 0xf1, 0x7c]:
    c('DPPS %02x' % imm, '660f3a40ca%02x' % imm, True)
for imm in [0x33, 0x31, 0x12]:
    c('DPPD %02x' % imm, '660f3a41ca%02x' % imm, True)
for n, h in [('BLENDVPS','660f3814ca'),('BLENDVPD','660f3815ca'),('PBLENDVB','660f3810ca')]:
    c(n, h)
mmxsse = list(range(0x60,0x6c)) + [0x74,0x75,0x76] + list(range(0xd1,0xd6)) + list(range(0xd8,0xe6)) + list(range(0xe8,0xf0)) + list(range(0xf1,0xf7)) + list(range(0xf8,0xff))
for op in mmxsse:
    c('0F %02x mm' % op, '0f%02xca' % op)
    c('0F %02x xmm' % op, '660f%02xca' % op)
for op in [0xd4, 0xe0, 0xf5, 0xfc]:
    c('0F %02x xmm15 m' % op, '66440f%02x3e' % op)
    c('0F %02x mm m' % op, '0f%02x0e' % op)
for op in list(range(0,0x0c)) + [0x1c,0x1d,0x1e]:
    c('0F38 %02x mm' % op, '0f38%02xca' % op)
    c('0F38 %02x xmm' % op, '660f38%02xca' % op)
for op in [0x20,0x21,0x22,0x23,0x24,0x25,0x28,0x29,0x2b,0x30,0x31,0x32,0x33,0x34,0x35] + list(range(0x37,0x42)):
    c('0F38 %02x' % op, '660f38%02xca' % op)
c('PMOVSXBQ m', '660f38220e'); c('PMOVZXBW m', '660f38300e')
c('PTEST', '660f3817ca', flags=True); c('PTEST m', '660f38170e', flags=True)
c('PUNPCKLQDQ', '660f6cca'); c('PUNPCKHQDQ', '660f6dca')
for ext, modrm in [(2, 0xd1), (4, 0xe1), (6, 0xf1)]:
    for op in [0x71, 0x72, 0x73]:
        if op == 0x73 and ext == 4: continue
        for imm in [0, 3, 15, 31, 63, 200]:
            c('shift %02x/%d %d mm' % (op, ext, imm), '0f%02x%02x%02x' % (op, modrm, imm))
            c('shift %02x/%d %d xmm' % (op, ext, imm), '660f%02x%02x%02x' % (op, modrm, imm))
for imm in [0, 1, 7, 15, 16, 255]:
    c('PSRLDQ %d' % imm, '660f73d9%02x' % imm); c('PSLLDQ %d' % imm, '660f73f9%02x' % imm)
for imm in [0x1b, 0xe4, 0x00, 0x93]:
    for n, h in [('PSHUFD','660f70ca'),('PSHUFHW','f30f70ca'),('PSHUFLW','f20f70ca'),('PSHUFW','0f70ca'),
                 ('SHUFPS','0fc6ca'),('SHUFPD','660fc6ca'),('BLENDPS','660f3a0cca'),('BLENDPD','660f3a0dca'),
                 ('PBLENDW','660f3a0eca'),('INSERTPS','660f3a21ca'),('MPSADBW','660f3a42ca')]:
        c('%s %02x' % (n, imm), h + '%02x' % imm)
c('INSERTPS m', '660f3a210ee6'); c('PSHUFD m', '660f700e1b')
for imm in [0, 3, 8, 15, 16, 31, 32, 200]:
    c('PALIGNR mm %d' % imm, '0f3a0fca%02x' % imm); c('PALIGNR xmm %d' % imm, '660f3a0fca%02x' % imm)
for n, h in [('UNPCKLPS','0f14ca'),('UNPCKHPS','0f15ca'),('UNPCKLPD','660f14ca'),('UNPCKHPD','660f15ca'),
             ('ANDPS','0f54ca'),('ANDNPS','0f55ca'),('ORPS','0f56ca'),('XORPS','0f57ca'),
             ('ANDPD','660f54ca'),('ANDNPD','660f55ca'),('ORPD','660f56ca'),('XORPD','660f570e'),
             ('MOVSLDUP','f30f12ca'),('MOVSHDUP','f30f16ca'),('MOVDDUP','f20f12ca'),('MOVDDUP m','f20f120e')]:
    c(n, h)
for imm in [0x00, 0x0c, 0x18, 0x1a, 0x44, 0x08, 0x40, 0x4d, 0x3a, 0x72, 0x01, 0x05, 0x09, 0x0d]:
    c('PCMPESTRI %02x' % imm, '660f3a61ca%02x' % imm, flags=True)
    c('PCMPISTRI %02x' % imm, '660f3a63ca%02x' % imm, flags=True)
    c('PCMPESTRM %02x' % imm, '660f3a60ca%02x' % imm, flags=True)
    c('PCMPISTRM %02x' % imm, '660f3a62ca%02x' % imm, flags=True)
c('PCMPESTRI q', '66480f3a61ca0c', flags=True); c('PCMPESTRM q m', '66480f3a600e44', flags=True)
c('PCMPISTRI m', '660f3a630e1a', flags=True)
for n, h in [('MOVAPS','0f28ca'),('MOVAPS m','0f280e'),('MOVAPS st','0f290e'),('MOVUPS','0f100e'),('MOVUPS st','0f110e'),
             ('MOVAPD','660f28ca'),('MOVUPD st','660f110e'),
             ('MOVSS','f30f10ca'),('MOVSS m','f30f100e'),('MOVSS st','f30f110e'),('MOVSS 11','f30f11ca'),
             ('MOVSD','f20f10ca'),('MOVSD m','f20f100e'),('MOVSD st','f20f110e'),
             ('MOVLPS m','0f120e'),('MOVLPS st','0f130e'),('MOVHLPS','0f12ca'),('MOVHPS m','0f160e'),('MOVHPS st','0f170e'),
             ('MOVLHPS','0f16ca'),('MOVLPD m','660f120e'),('MOVHPD st','660f170e'),
             ('MOVD mm,eax','0f6ec8'),('MOVD eax,mm','0f7ec8'),('MOVD xmm,eax','660f6ec8'),('MOVD eax,xmm','660f7ec8'),
             ('MOVQ mm,rax','480f6ec8'),('MOVQ rax,xmm','66480f7ec8'),('MOVD mm,m','0f6e0e'),('MOVD m,xmm','660f7e0e'),
             ('MOVQ mm,mm','0f6fca'),('MOVQ m,mm','0f7f0e'),('MOVQ xmm,xmm','f30f7eca'),('MOVQ xmm,m','f30f7e0e'),
             ('MOVQ 66D6','660fd6ca'),('MOVQ 66D6 st','660fd60e'),('MOVQ2DQ','f30fd6ca'),('MOVDQ2Q','f20fd6ca'),
             ('MOVDQA','660f6fca'),('MOVDQA m','660f6f0e'),('MOVDQU m','f30f6f0e'),('MOVDQU st','f30f7f0e'),
             ('LDDQU','f20ff00e'),('MOVNTDQ','660fe70e'),('MOVNTPS','0f2b0e'),('MOVNTQ','0fe70e'),('MOVNTDQA','660f382a0e'),
             ('MOVMSKPS','0f50c1'),('MOVMSKPD','660f50c1'),('PMOVMSKB mm','0fd7c1'),('PMOVMSKB xmm','660fd7c1'),
             ('STMXCSR','0fae1e'),('MOVNTI','0fc30e'),('MOVNTI q','480fc30e'),
             ('MASKMOVQ','0ff7ca'),('MASKMOVDQU','660ff7ca')]:
    c(n, h)
for imm in [0, 3, 5, 13]:
    for n, h in [('PINSRW mm','0fc4c8'),('PINSRW xmm','660fc4c8'),('PEXTRW mm','0fc5c1'),('PEXTRW xmm','660fc5c1'),
                 ('PINSRB','660f3a20c8'),('PINSRD','660f3a22c8'),('PINSRQ','66480f3a22c8'),('PEXTRB','660f3a14c8'),
                 ('PEXTRD','660f3a16c8'),('PEXTRQ','66480f3a16c8'),('EXTRACTPS','660f3a17c8'),('PEXTRW 41','660f3a15c8'),
                 ('PEXTRB m','660f3a140e'),('PINSRW m','660fc40e'),('PINSRB m','660f3a200e'),('EXTRACTPS m','660f3a170e')]:
        c('%s %d' % (n, imm), h + '%02x' % imm)
for op in list(range(0,0x0c)) + [0x1c,0x1d,0x1e]:
    c('0F38 %02x mm m' % op, '0f38%02x0e' % op)
    c('0F38 %02x xmm m' % op, '660f38%02x0e' % op)
for n, h, fp in [('CMPSD m','f20fc20e03',1),('CVTSS2SI m','f30f2d0e',1),('CVTTSD2SI m','f20f2c0e',1),
             ('CVTSI2SS m','f30f2a0e',1),('CVTPS2PD m','0f5a0e',1),('CVTDQ2PD m','f30fe60e',1),
             ('MOVHPD m','660f160e',0),('MOVLPD st','660f130e',0),('PEXTRW 41 m','660f3a150e03',0),
             ('PEXTRD m','660f3a160e01',0),('PEXTRQ m','66480f3a160e01',0),('PINSRD m','660f3a220e02',0),
             ('PINSRQ m','66480f3a220e01',0),('PALIGNR m','660f3a0f0e05',0),('PALIGNR mm m','0f3a0f0e03',0),
             ('MPSADBW m','660f3a420e05',0),('DPPS m','660f3a400e71',1),('DPPD m','660f3a410e31',1),
             ('ROUNDSD m','660f3a0b0e04',1),('ROUNDPS m','660f3a080e01',1),('BLENDVPS m','660f38140e',0),
             ('PHMINPOSUW m','660f38410e',0),('PCMPGTQ m','660f38370e',0),('PACKUSDW m','660f382b0e',0),
             ('PMULLD m','660f38400e',0),('PSHUFW m','0f700e1b',0),('SHUFPS m','0fc60e4e',0),
             ('PSRLW xmm m','660fd10e',0),('PSRAD mm m','0fe20e',0),('PSADBW m','660ff60e',0),
             ('UNPCKHPD m','660f150e',0),('COMISD m','660f2f0e',1),('SQRTPD m','660f510e',1),
             ('ADDPS xmm8,xmm9','450f58c1',1),('PADDD xmm14,xmm15','66450ffef7',0),
             ('MOVSS xmm15,m','f3440f103e',0),('MOVDQA xmm0,xmm15','66410f6fc7',0),
             ('PALIGNR xmm9,xmm1','66440f3a0fc905',0),('PSHUFD xmm12,xmm3','66440f70e31b',0),
             ('CVTSD2SI rax,xmm13','f2490f2dc5',1),('PCMPISTRI xmm10,xmm11','66450f3a63d30c',0),
             ('PSLLDQ xmm11','66410f73fb03',0),('PSRLQ xmm13 imm','66410f73d507',0),
             ('MOVMSKPD eax,xmm9','66410f50c1',0),('PTEST xmm8,m','66440f38170e',0)]:
    c(n, h, bool(fp), n.startswith(('PCMPISTRI', 'COMISD', 'PTEST')))
c('PINSRB ebp', '660f3a20cd05')     # r32: the low byte of EBP, not CH
c('PINSRB rex ebp', '66400f3a20cd05')
import re, sys
def uses_mem(b):
    # ModRM mod != 3 right after the opcode: the table's memory forms all use [rsi]
    return any(x in (0x0e, 0x16, 0x1e, 0x3e, 0x4e) for x in b[-3:])
if len(sys.argv) > 1 and sys.argv[1] == '--diff-forms':
    # tests/diff/forms_sse.S for the differential tester (tests/diff/README.md)
    print('''/*
 * tests/diff/forms_sse.S - MMX and SSE..SSE4.2 forms for the differential tester: the
 * forms of tests/unit/translate/test_sse.c as bytes (ModRM 0xca: xmm1/mm1, xmm2/mm2;
 * memory through rsi, MASKMOV* through rdi). Generated by
 *     tests/unit/translate/gen_sse_cases.py --diff-forms > tests/diff/forms_sse.S
 * edit the generator, not this. Pointers are not forced aligned: misaligned 16-byte
 * operands must fault as on the host. FP forms get random MXCSR (rounding, DAZ/FTZ,
 * masks), so unmasked #XM is compared too.
 */''')
    print('#include "forms.h"')
    print('\t.text')
    seen = set()
    for n, b, fp, fl in C:
        name = 'sse_' + re.sub('[^a-z0-9]+', '_', n.lower()).strip('_')
        while name in seen:
            name += '_'
        seen.add(name)
        ptrs = '(R_RSI|R_RDI)' if (uses_mem(b) or 'MASKMOV' in n) else '0'
        flags = 'F_MXCSR_RANDOM' if fp else '0'
        print('FORM diff_forms_sse, %s, 0, M_BOTH, %s, 0, %s, .byte %s' % (name, ptrs, flags, ', '.join('0x%02x' % x for x in b)))
    sys.exit(0)
def has_rex(b):
    for x in b:
        if x in (0x66, 0xf2, 0xf3):
            continue
        return 0x40 <= x <= 0x4f
    return False
print('/* Generated by gen_sse_cases.py: edit that, not this. */')
print('static const struct sse_case k_cases[] = {')
for n, b, fp, fl in C:
    print('\t{ "%s", { %s }, %d, %s, %s, %s },' % (n, ', '.join('0x%02x' % x for x in b), len(b), 'true' if fp else 'false', 'true' if fl else 'false', 'true' if has_rex(b) else 'false'))
print('};')
