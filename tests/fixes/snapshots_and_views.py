import numpy as np


def power_iteration(A, iters=50, tol=1e-12):
    x = np.ones(A.shape[0])
    steps = 0
    for steps in range(1, iters + 1):
        x_old = x
        x[:] = A @ x
        x /= np.linalg.norm(x)
        if np.linalg.norm(x - x_old) < tol:
            break
    return steps


def descend(A, b, lr=0.5, steps=3):
    x = np.zeros(len(b))
    path = []
    for _ in range(steps):
        path.append(x)
        x -= lr * (A @ x - b)
    return np.array(path)


def detrend(y: np.ndarray):
    raw = y[:]
    y -= y.mean()
    return raw


def swap_rows(n=3):
    M = np.arange(n * 2.0).reshape(n, 2)
    M[0], M[1] = M[1], M[0]
    return M


if __name__ == "__main__":
    print(power_iteration(np.array([[2.0, 1.0], [1.0, 3.0]])))
    print(descend(np.eye(2), np.array([1.0, 2.0])))
    print(detrend(np.array([1.0, 2.0, 6.0])))
    print(swap_rows())
