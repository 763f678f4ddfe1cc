"""A central-difference gradient with an aliasing bug (the example aliaslint is built around).

Run it: it prints [0.] where the gradient of the identity is [1.]. `aliaslint` finds why.
"""

import numpy as np


def lin(x):
    return x


def grad(f, x, delta_x=1e-5):
    gradient = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        index = it.multi_index
        old = x[index]
        x[index] = old + delta_x
        fx_addh = f(x)
        x[index] = old - delta_x
        fx_minush = f(x)
        x[index] = old
        gradient[index] = ((fx_addh - fx_minush) / (2 * delta_x))[index]
        it.iternext()
    return gradient


if __name__ == "__main__":
    x = np.array([0.001])
    print(grad(lin, x))
