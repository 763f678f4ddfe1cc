import numpy as np


def central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        up = f(x)  # f(x + h e_i)
        x[i] = old - h
        down = f(
            x,
        )
        x[i] = old
        g[i] = (up - down)[i] / (2 * h)
    return g


def main():
    def inner(v):
        return v.T

    ident = lambda v: v
    x = np.array([0.5, 1.5])
    print(central(inner, x), central(ident, x))


if __name__ == "__main__":
    main()
