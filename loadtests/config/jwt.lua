-- jwt-get10b-c32: every request carries the one RS256 token compare.sh minted with PyJWT (BENCH_JWT).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_JWT")
