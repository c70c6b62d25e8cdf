/* Functions with the prologues entry-point patching must move or refuse
 * (tests/unit/test_patch.c).  System V: argument in rdi, result in rax. */
    .text

/* A RIP-relative load first: its displacement must be re-aimed. */
    .globl case_rip
    .type case_rip, @function
case_rip:
    movq case_rip_value(%rip), %rax
    addq %rdi, %rax
    ret
    .size case_rip, .-case_rip

/* The same, patched in a batch with a function that is refused. */
    .globl case_rip_too
    .type case_rip_too, @function
case_rip_too:
    movq case_rip_value(%rip), %rax
    addq %rdi, %rax
    ret
    .size case_rip_too, .-case_rip_too

/* A jcc rel8 inside the first 5 bytes: widened to rel32 in the trampoline. */
    .globl case_jcc
    .type case_jcc, @function
case_jcc:
    testq %rdi, %rdi
    je 1f
    movq $10, %rax
    ret
1:  movq $20, %rax
    ret
    .size case_jcc, .-case_jcc

/* A call rel32 first: re-targeted from the trampoline. */
    .globl case_call
    .type case_call, @function
case_call:
    call case_helper
    addq $1, %rax
    ret
    .size case_call, .-case_call

    .type case_helper, @function
case_helper:
    leaq 100(%rdi), %rax
    ret
    .size case_helper, .-case_helper

/* A loop back into the first bytes: refused (the jump would land inside
 * the patch). */
    .globl case_loop_back
    .type case_loop_back, @function
case_loop_back:
    xorl %eax, %eax
1:  addq $2, %rax
    decq %rdi
    jnz 1b
    ret
    .size case_loop_back, .-case_loop_back

/* Too short to hold a jump: refused. */
    .globl case_short
    .type case_short, @function
case_short:
    movl %edi, %eax
    ret
    .size case_short, .-case_short

/* jrcxz has only a rel8 form: refused. */
    .globl case_jrcxz
    .type case_jrcxz, @function
case_jrcxz:
    movq %rdi, %rcx
    jrcxz 1f
    movq $1, %rax
    ret
1:  movq $2, %rax
    ret
    .size case_jrcxz, .-case_jrcxz

    .data
    .globl case_rip_value
case_rip_value:
    .quad 1000

    .section .note.GNU-stack,"",@progbits
