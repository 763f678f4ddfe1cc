def anneal(params, steps=3):
    prev = params
    for _ in range(steps):
        params["lr"] *= 0.5
    return prev["lr"], params["lr"]


if __name__ == "__main__":
    print(anneal({"lr": 1.0}))
