/* The wrapper layouts bpyrace carries (shim/py/pyshim.c), by the size of
 * bpy_struct each Blender release has (docs/blender-internals.md): the
 * offsets of BPy_PropertyRNA.prop and BPy_FunctionRNA.func follow the
 * PointerRNA that grew in 4.4 and 5.0; an unknown size has no layout (the
 * shim then says so and records no RNA access).  The offsets are applied to
 * wrappers built here byte by byte, as Blender lays them out. */
#include "pyshim.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void expect(Py_ssize_t size, size_t prop, size_t func)
{
    const struct py_rna_layout *l = py_layout_for(size);
    if (!l || l->prop != prop || l->func != func) {
        fprintf(stderr, "FAIL: bpy_struct of %zd bytes: prop at %zu, func at %zu; want %zu, %zu\n", size,
                l ? l->prop : 0, l ? l->func : 0, prop, func);
        failures++;
        return;
    }
    /* a BPy_PropertyRNA and a BPy_FunctionRNA of this layout */
    unsigned char wrapper[256];
    void *owner = (void *)0x1000, *type = (void *)0x2000, *data = (void *)0x3000, *rna = (void *)0x4000;
    memset(wrapper, 0xAB, sizeof wrapper);
    memcpy(wrapper + 16, &owner, 8);
    memcpy(wrapper + 24, &type, 8);
    memcpy(wrapper + 32, &data, 8);
    memcpy(wrapper + prop, &rna, 8);
    py_layout = l;
    if (PYRNA_PTR(wrapper)->owner_id != owner || PYRNA_PTR(wrapper)->data != data ||
        PYRNA_PROP(wrapper) != rna || PYRNA_FUNC(wrapper) != rna) {
        fprintf(stderr, "FAIL: bpy_struct of %zd bytes: accessors read the wrong fields\n", size);
        failures++;
    }
}

int main(void)
{
    expect(40, 40, 40);     /* 2.8 to 4.3: PointerRNA {owner_id, type, data} */
    expect(48, 48, 48);     /* 4.4, 4.5: std::optional<PointerRNA> */
    expect(104, 104, 104);  /* 5.0+: PointerRNA with ancestors, in an optional */
    for (Py_ssize_t bad = 0; bad < 200; bad++) {
        if ((bad == 40 || bad == 48 || bad == 104) || !py_layout_for(bad))
            continue;
        fprintf(stderr, "FAIL: bpy_struct of %zd bytes has a layout\n", bad);
        failures++;
    }
    if (failures)
        return 1;
    printf("ok: layouts for bpy_struct sizes 40, 48, 104; none for other sizes\n");
    return 0;
}
